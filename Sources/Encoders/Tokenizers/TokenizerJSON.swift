import Foundation

/// The parts of a Hugging Face `tokenizer.json` the tokenizers read, with errors naming the file
/// and the key that is wrong.
struct TokenizerJSON {
    let path: String
    let root: [String: Any]

    init(url: URL) throws {
        path = url.path
        let data = try TokenizerError.readFile(url)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw TokenizerError.malformedFile(path: path, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let dictionary = object as? [String: Any] else {
            throw TokenizerError.malformedFile(path: path, reason: "the top level is not a JSON object")
        }
        root = dictionary
    }

    func malformed(_ reason: String) -> TokenizerError {
        .malformedFile(path: path, reason: reason)
    }

    func unsupported(_ component: String) -> TokenizerError {
        .unsupported(path: path, component: component)
    }

    /// `model` object and its `type`.
    func model() throws -> (type: String, fields: [String: Any]) {
        guard let model = root["model"] as? [String: Any] else { throw malformed("missing the \"model\" object") }
        guard let type = model["type"] as? String else {
            throw malformed("\"model\" has no \"type\" (expected \"WordPiece\" or \"BPE\")")
        }
        return (type, model)
    }

    /// `model.vocab` as token -> id.
    func vocabulary(_ model: [String: Any]) throws -> [ExactString: Int] {
        guard let raw = model["vocab"] as? [String: Any] else {
            throw malformed("\"model.vocab\" is missing or not an object of token -> id")
        }
        var vocabulary: [ExactString: Int] = [:]
        vocabulary.reserveCapacity(raw.count)
        for (token, value) in raw {
            guard let id = (value as? NSNumber)?.intValue, id >= 0 else {
                throw malformed("\"model.vocab\" entry \(token.debugDescription) has no non-negative integer id")
            }
            vocabulary[ExactString(token)] = id
        }
        return vocabulary
    }

    /// `added_tokens` that match the raw text (`normalized: false`); tokens with `normalized: true`
    /// are rejected because they would be matched after normalisation.
    func addedTokens() throws -> [AddedToken] {
        guard let list = root["added_tokens"] as? [[String: Any]] else { return [] }
        return try list.enumerated().map { index, entry in
            guard let content = entry["content"] as? String, let id = (entry["id"] as? NSNumber)?.intValue else {
                throw malformed("\"added_tokens\"[\(index)] needs \"content\" and \"id\"")
            }
            if (entry["normalized"] as? Bool) == true && (entry["special"] as? Bool) != true {
                throw unsupported("added token \(content.debugDescription) with \"normalized\": true")
            }
            if (entry["single_word"] as? Bool) == true {
                throw unsupported("added token \(content.debugDescription) with \"single_word\": true")
            }
            return AddedToken(content: content, id: id, stripLeft: entry["lstrip"] as? Bool ?? false,
                              stripRight: entry["rstrip"] as? Bool ?? false)
        }
    }

    /// The post-processor's start and end special tokens and its style.
    func specialTokenTemplate() throws -> SpecialTokenTemplate {
        guard let processor = root["post_processor"] as? [String: Any], let type = processor["type"] as? String else {
            throw unsupported("a missing \"post_processor\" (special tokens are required)")
        }
        switch type {
        case "BertProcessing", "RobertaProcessing":
            guard let start = Self.tokenPair(processor["cls"]), let end = Self.tokenPair(processor["sep"]) else {
                throw malformed("\"post_processor\" of type \(type) needs \"cls\" and \"sep\" as [token, id]")
            }
            return SpecialTokenTemplate(style: type == "BertProcessing" ? .bert : .roberta, start: start, end: end)
        case "TemplateProcessing":
            return try templateProcessing(processor)
        default:
            throw unsupported("post_processor type \(type)")
        }
    }

    private func templateProcessing(_ processor: [String: Any]) throws -> SpecialTokenTemplate {
        guard let single = processor["single"] as? [[String: Any]],
              let specials = processor["special_tokens"] as? [String: Any] else {
            throw malformed("\"post_processor\" TemplateProcessing needs \"single\" and \"special_tokens\"")
        }
        let names = single.map { ($0["SpecialToken"] as? [String: Any])?["id"] as? String }
        guard names.count == 3, let startName = names[0], names[1] == nil, let endName = names[2] else {
            throw unsupported("TemplateProcessing other than \"<start> $A <end>\"")
        }
        func resolve(_ name: String) throws -> VocabularyToken {
            guard let entry = specials[name] as? [String: Any], let ids = entry["ids"] as? [NSNumber],
                  ids.count == 1 else {
                throw malformed("\"post_processor.special_tokens\" has no single id for \(name)")
            }
            return VocabularyToken(id: ids[0].intValue, text: name)
        }
        let template = SpecialTokenTemplate(style: .bert, start: try resolve(startName), end: try resolve(endName))
        if let pair = processor["pair"] as? [[String: Any]] {
            let shape = pair.map { item -> String in
                if let special = item["SpecialToken"] as? [String: Any] { return special["id"] as? String ?? "?" }
                let sequence = item["Sequence"] as? [String: Any]
                return "$\(sequence?["id"] as? String ?? "?"):\((sequence?["type_id"] as? NSNumber)?.intValue ?? -1)"
            }
            guard shape == [startName, "$A:0", endName, "$B:1", endName] else {
                throw unsupported("TemplateProcessing pair template \(shape.joined(separator: " "))")
            }
        }
        return template
    }

    private static func tokenPair(_ value: Any?) -> VocabularyToken? {
        guard let pair = value as? [Any], pair.count == 2, let text = pair[0] as? String,
              let id = (pair[1] as? NSNumber)?.intValue else { return nil }
        return VocabularyToken(id: id, text: text)
    }

    /// `padding.pad_id` / `padding.pad_token` when the file sets padding.
    func padding() -> VocabularyToken? {
        guard let padding = root["padding"] as? [String: Any], let id = (padding["pad_id"] as? NSNumber)?.intValue,
              let token = padding["pad_token"] as? String else { return nil }
        return VocabularyToken(id: id, text: token)
    }
}
