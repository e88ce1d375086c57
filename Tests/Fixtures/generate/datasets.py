"""Writes Tests/Fixtures/datasets/<format>/: small replicas of each dataset layout with the
dirty cases the loaders must handle (missing, zero-byte and several images; empty or
emoji-only text; invalid UTF-8; duplicate ids; malformed records; unknown labels).
The expected counts of each replica are listed in docs/datasets.md and asserted by
Tests/DatasetsTests. Deterministic: run with /work/V/bin/python (needs pillow)."""
import json
import os
import shutil

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets")


def path(*parts):
    full = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full


def image(*parts, color=(200, 30, 30)):
    full = path(*parts)
    picture = Image.new("RGB", (8, 8), color)
    if full.endswith(".png"):
        picture.save(full, format="PNG")
    else:
        picture.save(full, format="JPEG", quality=90)


def empty_file(*parts):
    open(path(*parts), "wb").close()


def write(parts, content):
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    with open(path(*parts), "wb") as handle:
        handle.write(data)


def weibo():
    write(("weibo", "tweets", "train_rumor.txt"),
          "1001|user_a|http://weibo.com/1001|0|0|0|1400000000|\n"
          "http://ww1.sinaimg.cn/large/a1.jpg|null|\n"
          "谣言：某地出现怪兽 http://t.cn/abc\n"
          "1002|user_b|http://weibo.com/1002|0|0|0|1400000001|\n"
          "http://ww1.sinaimg.cn/large/b1.jpg|http://ww2.sinaimg.cn/large/b2.jpg|\n"
          "两张图片的帖子！！！\n"
          "1003|user_c|http://weibo.com/1003|0|0|0|1400000002|\n"
          "http://ww1.sinaimg.cn/large/c1.jpg|\n"
          "图片丢失的帖子\n")
    write(("weibo", "tweets", "train_nonrumor.txt"),
          "2001|user_d|http://weibo.com/2001|0|0|0|1400000003|\n".encode("utf-8")
          + b"http://ww1.sinaimg.cn/large/d1.jpg|\n"
          + "坏字节".encode("utf-8") + b"\xff\xfe" + "结束\n".encode("utf-8")
          + "1001|user_a|http://weibo.com/1001|0|0|0|1400000000|\n".encode("utf-8")
          + b"http://ww1.sinaimg.cn/large/a1.jpg|\n"
          + "重复的帖子\n".encode("utf-8")
          + b"not-an-id|broken metadata\n"
          + b"null|\n"
          + "格式错误\n".encode("utf-8"))
    write(("weibo", "tweets", "test_rumor.txt"),
          "3001|user_e|http://weibo.com/3001|0|0|0|1400000004|\n"
          "http://ww1.sinaimg.cn/large/e1.jpg|\n"
          "\n")
    write(("weibo", "tweets", "test_nonrumor.txt"),
          "4001|user_f|http://weibo.com/4001|0|0|0|1400000005|\n"
          "http://ww1.sinaimg.cn/large/f1.jpg|\n"
          "😀😀 http://t.cn/x\n")
    image("weibo", "rumor_images", "a1.jpg")
    image("weibo", "rumor_images", "b2.jpg")
    image("weibo", "nonrumor_images", "d1.jpg", color=(30, 200, 30))
    empty_file("weibo", "rumor_images", "e1.jpg")
    image("weibo", "nonrumor_images", "f1.jpg", color=(30, 30, 200))


def twitter():
    header = "post_id\tpost_text\tuser_id\timage_id(s)\tusername\ttimestamp\tlabel\n"
    write(("twitter", "devset", "posts.txt"),
          header
          + "11\tShark swimming in the street #sandy http://t.co/a\t501\tsandy_fake_1\tuser1\tMon Oct 29 22:34:01 +0000 2012\tfake\n"
          + "12\tReal photo from the storm @someone\t502\tsandy_real_1\tuser2\tMon Oct 29 22:35:01 +0000 2012\treal\n"
          + "13\tThis is clearly a joke\t503\tsandy_fake_2,sandy_fake_1\tuser3\tMon Oct 29 22:36:01 +0000 2012\thumor\n"
          + "14\tNobody knows\t504\tsandy_real_1\tuser4\tMon Oct 29 22:37:01 +0000 2012\tunverified\n"
          + "15\tonly three\tfields\n")
    # The 2016 devset also ships the 2015 file (tweets.txt, 2015 header) and the testset an
    # unlabelled posts.txt: one posts file per folder is read (posts_groundtruth, posts, tweets).
    write(("twitter", "devset", "tweets.txt"),
          "tweetId\ttweetText\tuserId\timageId(s)\tusername\ttimestamp\tlabel\n"
          "11\tShark swimming in the street #sandy http://t.co/a\t501\tsandy_fake_1 \tuser1\tMon Oct 29 22:34:01 +0000 2012\tfake\n"
          "16\tOnly in the 2015 file\t505\tsandy_real_1\tuser5\tMon Oct 29 22:38:01 +0000 2012\treal\n")
    write(("twitter", "testset", "posts.txt"),
          "post_id\tpost_text\tuser_id\tusername\timage_id\ttimestamp\n"
          "21\tEclipse seen from space\t601\tuser5\teclipse_1\tFri Mar 20 10:00:00 +0000 2015\n")
    write(("twitter", "testset", "posts_groundtruth.txt"),
          "post_id\tpost_text\tuser_id\timage_id\tusername\ttimestamp\tlabel\n"
          "21\tEclipse seen from space\t601\teclipse_1\tuser5\tFri Mar 20 10:00:00 +0000 2015\treal\n"
          "22\tImage that was never downloaded\t602\tnothere_1\tuser6\tFri Mar 20 10:01:00 +0000 2015\tfake\n"
          "11\tShark swimming again\t501\tsandy_fake_1\tuser1\tFri Mar 20 10:02:00 +0000 2015\tfake\n")
    image("twitter", "devset", "Mediaeval2016_DevSet_Images", "sandy", "sandy_fake_1.jpg")
    image("twitter", "devset", "Mediaeval2016_DevSet_Images", "sandy", "sandy_real_1.png")
    image("twitter", "testset", "Mediaeval2016_TestSet_Images", "eclipse_1.jpg")


def fakeddit():
    header = ("\tauthor\tclean_title\tcreated_utc\tdomain\thasImage\tid\timage_url\tlinked_submission_id\t"
              "num_comments\tscore\tsubreddit\ttitle\tupvote_ratio\t2_way_label\t3_way_label\t6_way_label\n")

    def row(index, post_id, title, two, three, six):
        return (f"{index}\tauthor{index}\t{title}\t1551641100.0\ti.imgur.com\tTrue\t{post_id}\t"
                f"https://i.imgur.com/{post_id}.jpg\t\t3.0\t12\tpics\t{title.title()}\t0.9\t{two}\t{three}\t{six}\n")

    write(("fakeddit", "multimodal_train.tsv"),
          header + row(0, "a1", "my cat is a chef", 1, 0, 0) + row(1, "a2", "aliens land in ohio", 0, 2, 5)
          + row(2, "a3", "area man wins at life", 0, 1, 1) + row(3, "a4", "bad label", "x", "x", "x"))
    write(("fakeddit", "multimodal_validate.tsv"),
          header + row(0, "b1", "photo of the bridge", 1, 0, 0) + row(1, "b2", "the bridge at night", 0, 2, 4))
    write(("fakeddit", "multimodal_test_public.tsv"),
          header + row(0, "c1", "the queen at dinner", 0, 2, 3) + row(1, "a1", "my cat is a chef again", 1, 0, 0))
    for post_id in ["a1", "a2", "b1", "b2", "c1"]:
        image("fakeddit", "public_image_set", post_id + ".jpg")


def mvsa_single():
    rows = [("1", "positive,positive"), ("2", "neutral,negative"), ("3", "positive,negative"),
            ("4", "neutral,neutral"), ("5", "negative,neutral"), ("6", "positive,neutral"),
            ("7", "bogus"), ("8", "neutral,positive"), ("9", "positive,positive")]
    write(("mvsa-single", "labelResultAll.txt"), "ID\ttext,image\n" + "".join(f"{i}\t{p}\n" for i, p in rows))
    texts = {"1": "Sunny day at the beach #happy", "2": "Traffic again...", "3": "Love this, hate that",
             "4": "Bus stop", "5": "Lost my keys!!!", "8": "New shoes @shop", "9": "http://t.co/x @user"}
    for key, text in texts.items():
        write(("mvsa-single", "data", key + ".txt"), text + "\n")
    write(("mvsa-single", "data", "6.txt"), b"Caf\xe9 latte time\n")
    for key in ["1", "2", "3", "4", "5", "6", "9"]:
        image("mvsa-single", "data", key + ".jpg")


def mvsa_multiple():
    rows = [("1", "positive,positive\tpositive,neutral\tpositive,positive"),
            ("2", "neutral,negative\tnegative,negative\tneutral,negative"),
            ("3", "positive,negative\tnegative,positive\tneutral,neutral"),
            ("4", "positive,negative\tpositive,negative\tpositive,neutral"),
            ("5", "neutral,neutral\tneutral,positive\tnegative,neutral"),
            ("6", "positive,positive\tpositive,positive")]
    write(("mvsa-multiple", "labelResultAll.txt"),
          "ID\ttext,image\ttext,image\ttext,image\n" + "".join(f"{i}\t{p}\n" for i, p in rows))
    for key, text in {"1": "Great game tonight", "2": "Rainy commute", "3": "Mixed feelings",
                      "4": "Not sure", "5": "Just a wall", "6": "Two annotators only"}.items():
        write(("mvsa-multiple", "data", key + ".txt"), text + "\n")
        image("mvsa-multiple", "data", key + ".jpg")


def tumemo():
    write(("tumemo", "all_data_id_and_label.txt"),
          "id label\n0 Happy\n1 Sad\n2 Love\n3 Calm\n4 Joyful\n5 Angry\n6\n2 Love\n")
    for key, text in {"0": "sunshine and coffee", "1": "missing you", "2": "my favourite person",
                      "3": "quiet lake", "4": "so glad", "5": "why is this happening"}.items():
        write(("tumemo", "data", key + ".txt"), text)
    for key in ["0", "1", "2", "4", "5"]:
        image("tumemo", "data", key + ".jpg")


def hfm():
    write(("hfm", "text", "train.txt"),
          "['100', 'i love mondays # not <url>', 1]\n"
          "['101', \"it 's sunny today\", 0]\n"
          "['102', 'this line never closes, 1]\n"
          "['103', 'great , another meeting emoji_15 emoji_15', 1]\n")
    write(("hfm", "text", "valid2.txt"),
          "['200', 'what a great job', 1, 0]\n"
          "['201', 'meh', 0, 0]\n")
    write(("hfm", "text", "test2.txt"),
          "['300', 'sure , that will work', 1, 1]\n"
          "['100', 'a second post with the same id', 1, 1]\n"
          "['301', 'the image was never saved', 0, 0]\n")
    for key in ["100", "101", "103", "200", "201", "300"]:
        image("hfm", "dataset_image", key + ".jpg")


def yelp():
    def review(review_id, text, photos, rating):
        return json.dumps({"_id": review_id, "UserId": "u" + review_id, "RestaurantId": "rest1", "Text": text,
                           "Photos": [{"_id": p, "Caption": ""} for p in photos], "Rating": rating}) + "\n"

    write(("yelp", "train.json"),
          review("r1", "Great tacos!!! Would come again.", ["aa01"], 5)
          + review("r2", "Meh. Cold fries.", ["ab02", "ac03"], 2)
          + "{\"_id\": \"r9\", \"Text\": \"cut off\n")
    write(("yelp", "valid.json"), review("r3", "It was ok.", [], 3))
    write(("yelp", "test", "Boston_test.json"), review("r4", "Best lobster roll in town", ["ad04"], "4"))
    write(("yelp", "test", "Chicago_test.json"),
          review("r5", "Deep dish heaven", ["ae05"], 6) + review("r1", "Tacos again", ["aa01"], 5))
    for photo in ["aa01", "ac03", "ad04", "ae05"]:
        image("yelp", "photos", photo[:2], photo + ".jpg")


def generic():
    lines = [
        {"id": "j1", "text": "hello @bob http://x.co/1 #tag!!!", "image": "images/j1.png", "label": "pos", "split": "train"},
        {"id": "j2", "text": "two images", "image": ["images/none.png", "images/j2.jpg"], "label": "neg", "split": "train"},
        {"id": "j3", "text": "no label here", "image": "images/j3.png", "split": "test"},
        None,
        {"id": "j1", "text": "dup"},
        {"id": "j4", "text": "bad split", "split": "holdout"},
        {"id": "j5", "text": "", "image": "images/j5.png", "label": "neg", "split": "val"},
    ]
    write(("jsonl", "posts.jsonl"), "".join("this is not json\n" if x is None else json.dumps(x) + "\n" for x in lines))
    for name in ["j1.png", "j2.jpg", "j3.png", "j5.png"]:
        image("jsonl", "images", name)
    write(("csv", "posts.csv"),
          "id,text,image,label,split\n"
          "c1,\"Hello, world\",images/c1.png,pos,train\n"
          "c2,\"multi\nline text\",images/c2.jpg;images/c2b.jpg,neg,train\n"
          "c3,\"quote \"\"inside\"\"\",,pos,test\n"
          "c4,too,many,fields,here,extra\n"
          "c1,dup,,pos,train\n"
          "c5,ok,images/c5.png,neg,val\n")
    for name in ["c1.png", "c2.jpg", "c5.png"]:
        image("csv", "images", name)


def easy_vqa():
    write(("easy-vqa", "answers.txt"), "circle\nrectangle\ntriangle\nred\ngreen\nblue\nyes\nno\n")
    write(("easy-vqa", "train", "questions.json"), json.dumps([
        ["What shape is in the image?", "circle", 0], ["What color is the shape?", "red", 0],
        ["Is there a triangle in the image?", "no", 1], ["What shape is present?", "hexagon", 1]]))
    write(("easy-vqa", "test", "questions.json"), json.dumps([
        ["What color is the shape?", "blue", 0], ["Is there a circle?", "yes", 5]]))
    image("easy-vqa", "train", "images", "0.png")
    image("easy-vqa", "train", "images", "1.png", color=(0, 0, 255))
    image("easy-vqa", "test", "images", "0.png", color=(0, 0, 255))


if __name__ == "__main__":
    shutil.rmtree(ROOT, ignore_errors=True)
    weibo()
    twitter()
    fakeddit()
    mvsa_single()
    mvsa_multiple()
    tumemo()
    hfm()
    yelp()
    generic()
    easy_vqa()
