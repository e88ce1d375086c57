import Foundation

/// How post text is cleaned before it reaches a tokenizer; stored with every load report and
/// feature store so the exact cleaning is known later.
///
/// Each pattern is either kept as written, stripped, or (URLs, mentions) replaced by a
/// placeholder token. Hashtags can keep their word and drop the `#`. Whitespace is always
/// collapsed and trimmed.
public struct TextCleaning: Codable, Equatable, Sendable {
    public enum Treatment: String, Codable, CaseIterable, Sendable {
        case keep, strip, placeholder
    }

    public enum HashtagTreatment: String, Codable, CaseIterable, Sendable {
        /// `#word` stays as written.
        case keep
        /// `#word` is removed.
        case strip
        /// `#word` becomes `word`.
        case word
    }

    public var urls: Treatment
    public var mentions: Treatment
    public var hashtags: HashtagTreatment
    /// Runs of the same punctuation mark (`!!!`, `???`, `....`) become one mark (`...` stays `...`).
    public var collapseRepeatedPunctuation: Bool
    /// Placeholder tokens used with `.placeholder`.
    public var urlPlaceholder: String
    public var mentionPlaceholder: String

    public init(
        urls: Treatment = .keep, mentions: Treatment = .keep, hashtags: HashtagTreatment = .keep,
        collapseRepeatedPunctuation: Bool = false, urlPlaceholder: String = "<url>", mentionPlaceholder: String = "<user>"
    ) {
        self.urls = urls
        self.mentions = mentions
        self.hashtags = hashtags
        self.collapseRepeatedPunctuation = collapseRepeatedPunctuation
        self.urlPlaceholder = urlPlaceholder
        self.mentionPlaceholder = mentionPlaceholder
    }

    /// Leaves text as written apart from whitespace.
    public static let none = TextCleaning()

    /// Applies the cleaning to one text.
    public func apply(_ text: String) -> String {
        var result = text
        switch urls {
        case .keep: break
        case .strip: result = TextPatterns.url.replace(in: result, with: " ")
        case .placeholder: result = TextPatterns.url.replace(in: result, with: " \(urlPlaceholder) ")
        }
        switch mentions {
        case .keep: break
        case .strip: result = TextPatterns.mention.replace(in: result, with: "$1")
        case .placeholder: result = TextPatterns.mention.replace(in: result, with: "$1\(mentionPlaceholder)")
        }
        switch hashtags {
        case .keep: break
        case .strip: result = TextPatterns.hashtag.replace(in: result, with: "$1")
        case .word: result = TextPatterns.hashtag.replace(in: result, with: "$1$2")
        }
        if collapseRepeatedPunctuation {
            result = TextPatterns.ellipsis.replace(in: result, with: "...")
            result = TextPatterns.repeatedPunctuation.replace(in: result, with: "$1")
        }
        return TextPatterns.whitespace.replace(in: result, with: " ").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// True when nothing but URLs, mentions, emoji, symbols, punctuation and spaces remains:
    /// such posts are kept and flagged `emptyText`.
    public static func isEffectivelyEmpty(_ text: String) -> Bool {
        let withoutLinks = TextPatterns.mention.replace(in: TextPatterns.url.replace(in: text, with: " "), with: "$1")
        for scalar in withoutLinks.unicodeScalars {
            if CharacterSet.letters.contains(scalar) || CharacterSet.decimalDigits.contains(scalar) {
                if !scalar.properties.isEmojiPresentation { return false }
            }
        }
        return true
    }
}

/// Compiled patterns shared by the cleaning and the emptiness check.
struct TextPatterns {
    let expression: NSRegularExpression?

    init(_ pattern: String) {
        // The patterns are constants of this file; the tests exercise each one.
        expression = try? NSRegularExpression(pattern: pattern)
    }

    func replace(in text: String, with template: String) -> String {
        guard let expression else { return text }
        return expression.stringByReplacingMatches(
            in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }

    static let url = TextPatterns(#"(?i)\b(?:https?://|www\.)\S+"#)
    static let mention = TextPatterns(#"(^|[^\w@])@\w+"#)
    static let hashtag = TextPatterns(#"(^|[^\w#])#(\w+)"#)
    static let ellipsis = TextPatterns(#"\.{3,}"#)
    static let repeatedPunctuation = TextPatterns(#"([!?,;:。！？，])\1+"#)
    static let whitespace = TextPatterns(#"\s+"#)
}
