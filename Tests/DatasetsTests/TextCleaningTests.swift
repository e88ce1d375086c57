import Foundation
import Testing
@testable import Datasets

@Suite struct TextCleaningTests {
    let sample = "RT @bob: look http://t.co/abc #Sandy #fake!!! Really??? ok....  bye"

    @Test func noneOnlyCollapsesWhitespace() {
        #expect(TextCleaning.none.apply(sample) == "RT @bob: look http://t.co/abc #Sandy #fake!!! Really??? ok.... bye")
    }

    @Test func stripsEachPattern() {
        let cleaning = TextCleaning(urls: .strip, mentions: .strip, hashtags: .strip, collapseRepeatedPunctuation: true)
        #expect(cleaning.apply(sample) == "RT : look ! Really? ok... bye")
    }

    @Test func placeholdersAndHashtagWords() {
        let cleaning = TextCleaning(urls: .placeholder, mentions: .placeholder, hashtags: .word)
        #expect(cleaning.apply(sample) == "RT <user>: look <url> Sandy fake!!! Really??? ok.... bye")
    }

    @Test func emailAddressIsNotAMention() {
        let cleaning = TextCleaning(mentions: .strip)
        #expect(cleaning.apply("mail me at a@b.com @carol") == "mail me at a@b.com")
    }

    @Test func effectivelyEmptyText() {
        #expect(TextCleaning.isEffectivelyEmpty(""))
        #expect(TextCleaning.isEffectivelyEmpty("😀😀 http://t.cn/x @someone !!"))
        #expect(!TextCleaning.isEffectivelyEmpty("😀 ok"))
        #expect(!TextCleaning.isEffectivelyEmpty("谣言"))
        #expect(!TextCleaning.isEffectivelyEmpty("2024"))
    }

    @Test func roundTripsThroughJSON() throws {
        let cleaning = TextCleaning(urls: .placeholder, mentions: .strip, hashtags: .word, collapseRepeatedPunctuation: true)
        let decoded = try JSONDecoder().decode(TextCleaning.self, from: JSONEncoder().encode(cleaning))
        #expect(decoded == cleaning)
    }
}
