/// The page served at `GET /`: a form for one post (text, image dropped or chosen) that
/// calls `POST /v1/predict` and draws the class probabilities and the model's signals as
/// bars. Self-contained: no external scripts, styles or fonts. The address fragment
/// `#text=...&image=data:image/...;base64,...` fills the form and classifies at once.
enum WebPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mmfusion</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; max-width: 760px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
#model { color: #666; margin-bottom: 1em; }
textarea { width: 100%; height: 6em; box-sizing: border-box; font: inherit; }
#drop { border: 2px dashed #aaa; border-radius: 6px; padding: 1em; text-align: center; margin: 0.8em 0; color: #666; cursor: pointer; }
#drop.over { border-color: #36c; background: #eef3ff; }
#drop img { max-height: 140px; display: block; margin: 0.5em auto 0; }
button { font: inherit; padding: 0.4em 1.2em; }
.row { display: flex; align-items: center; margin: 3px 0; }
.name { width: 11em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.track { flex: 1; background: #eee; height: 1.1em; border-radius: 3px; margin: 0 0.6em; }
.fill { background: #36c; height: 100%; border-radius: 3px; }
.fill.top { background: #c63; }
.value { width: 4.5em; text-align: right; font-variant-numeric: tabular-nums; }
#error { color: #b00; white-space: pre-wrap; }
h2 { font-size: 1.1em; margin-top: 1.2em; }
input[type=password] { font: inherit; width: 14em; }
</style>
</head>
<body>
<h1>mmfusion</h1>
<div id="model">loading model…</div>
<textarea id="text" placeholder="Post text"></textarea>
<div id="drop">Drop an image here or click to choose one<input id="file" type="file" accept="image/*" hidden><img id="preview" hidden></div>
<button id="go">Classify</button>
<input id="key" type="password" placeholder="API key (if required)">
<div id="error"></div>
<div id="result" hidden>
<h2>Prediction: <span id="label"></span></h2>
<div id="bars"></div>
<div id="signals"></div>
</div>
<script>
"use strict";
let image = null;
const $ = (id) => document.getElementById(id);
function headers(extra) {
  const h = Object.assign({}, extra);
  if ($("key").value) h["Authorization"] = "Bearer " + $("key").value;
  return h;
}
async function loadModel() {
  try {
    const response = await fetch("/v1/model", {headers: headers({})});
    const card = await response.json();
    $("model").textContent = response.ok
      ? "model " + card.model + " · classes: " + card.labels.join(", ")
      : (card.error ? card.error.message : "model unavailable");
  } catch (e) { $("model").textContent = "model unavailable: " + e; }
}
function readImage(file) {
  const reader = new FileReader();
  reader.onload = () => { image = reader.result; $("preview").src = image; $("preview").hidden = false; };
  reader.readAsDataURL(file);
}
function bar(name, value, maximum, top) {
  const row = document.createElement("div");
  row.className = "row";
  const label = document.createElement("span"); label.className = "name"; label.textContent = name; label.title = name;
  const track = document.createElement("span"); track.className = "track";
  const fill = document.createElement("span"); fill.className = "fill" + (top ? " top" : "");
  fill.style.display = "block";
  fill.style.width = (maximum > 0 ? Math.max(0, Math.min(1, Math.abs(value) / maximum)) * 100 : 0) + "%";
  track.appendChild(fill);
  const number = document.createElement("span"); number.className = "value"; number.textContent = value.toFixed(3);
  row.append(label, track, number);
  return row;
}
function show(prediction) {
  $("label").textContent = prediction.label;
  const bars = $("bars"); bars.replaceChildren();
  for (const score of prediction.probabilities) bars.appendChild(bar(score.label, score.probability, 1, score.label === prediction.label));
  const signals = $("signals"); signals.replaceChildren();
  for (const [name, values] of Object.entries(prediction.signals)) {
    const title = document.createElement("h2"); title.textContent = name; signals.appendChild(title);
    const maximum = Math.max(...values.map(Math.abs));
    values.forEach((value, index) => signals.appendChild(bar(name + "[" + index + "]", value, maximum, false)));
  }
  $("result").hidden = false;
}
async function classify() {
  $("error").textContent = "";
  const post = {};
  if ($("text").value) post.text = $("text").value;
  if (image) post.image = image;
  try {
    const response = await fetch("/v1/predict", {method: "POST", headers: headers({"Content-Type": "application/json"}), body: JSON.stringify(post)});
    const body = await response.json();
    if (!response.ok) { $("error").textContent = response.status + " " + body.error.code + ": " + body.error.message; return; }
    show(body);
  } catch (e) { $("error").textContent = String(e); }
}
$("drop").addEventListener("click", () => $("file").click());
$("file").addEventListener("change", () => { if ($("file").files[0]) readImage($("file").files[0]); });
$("drop").addEventListener("dragover", (e) => { e.preventDefault(); $("drop").classList.add("over"); });
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (e) => { e.preventDefault(); $("drop").classList.remove("over"); if (e.dataTransfer.files[0]) readImage(e.dataTransfer.files[0]); });
$("go").addEventListener("click", classify);
$("key").addEventListener("change", loadModel);
loadModel();
// `#text=...&image=data:...` (each percent-encoded) fills the form and classifies, as
// if the text were typed and the image dropped; used to link to or screenshot a post.
const given = new URLSearchParams(location.hash.slice(1));
if (given.get("image")) { image = given.get("image"); $("preview").src = image; $("preview").hidden = false; }
if (given.get("text")) $("text").value = given.get("text");
if (given.get("text") || given.get("image")) classify();
</script>
</body>
</html>
"""#
}
