import Foundation

/// The dataset layouts `<format>:<path>` can name. See docs/datasets.md for each layout.
public enum DatasetFormat: String, Codable, CaseIterable, Sendable {
    case weibo
    case twitter
    case fakeddit
    case mvsaSingle = "mvsa-single"
    case mvsaMultiple = "mvsa-multiple"
    case tumemo
    case hfm
    case yelp
    case jsonl
    case csv
    case easyVQA = "easy-vqa"

    /// One line for `mmfusion datasets list`.
    public var summary: String {
        switch self {
        case .weibo: return "Weibo rumor set (Jin et al. 2017): tweets/{train,test}_{rumor,nonrumor}.txt, 3 lines a post"
        case .twitter: return "MediaEval 2015/2016 image verification: devset/testset posts TSV; humor counts as fake"
        case .fakeddit: return "Fakeddit: multimodal_{train,validate,test_public}.tsv; --label-set 2way|3way|6way"
        case .mvsaSingle: return "MVSA-Single sentiment: data/<id>.{txt,jpg} + labelResultAll.txt; 8:1:1 seeded split"
        case .mvsaMultiple: return "MVSA-Multiple sentiment: three annotators, per-modality majority; 8:1:1 seeded split"
        case .tumemo: return "TumEmo (Tumblr) 7 emotions: data/<id>.{txt,jpg} + labels file; 8:1:1 seeded split"
        case .hfm: return "HFM Twitter sarcasm: text/{train,valid2,test2}.txt list literals + dataset_image/<id>.jpg"
        case .yelp: return "Yelp reviews with photos (VistaNet): train/valid/test JSON, Rating 1-5, five test cities"
        case .jsonl: return "generic JSON lines: {id, text, image (string or list), label, split}"
        case .csv: return "generic CSV with a header: id, text, image (';'-separated), label, split"
        case .easyVQA: return "easy-vqa demo: {train,test}/questions.json + images/<id>.png; default path the mmfusion cache"
        }
    }

    /// Labels the format can produce, in class-index order; nil when the data defines them.
    public func labelNames(labelSet: FakedditLabelSet = .twoWay) -> [String]? {
        switch self {
        case .weibo, .twitter: return ["real", "fake"]
        case .fakeddit: return labelSet.labelNames
        case .mvsaSingle, .mvsaMultiple: return ["positive", "neutral", "negative"]
        case .tumemo: return TumEmoLoader.emotions
        case .hfm: return ["non-sarcastic", "sarcastic"]
        case .yelp: return ["1", "2", "3", "4", "5"]
        case .jsonl, .csv, .easyVQA: return nil
        }
    }
}

/// Which Fakeddit label column to use.
public enum FakedditLabelSet: String, Codable, CaseIterable, Sendable {
    case twoWay = "2way"
    case threeWay = "3way"
    case sixWay = "6way"

    var column: String {
        switch self {
        case .twoWay: return "2_way_label"
        case .threeWay: return "3_way_label"
        case .sixWay: return "6_way_label"
        }
    }

    /// Names by the column's integer value (Fakeddit README: 2-way 0 = false, 1 = true).
    public var labelNames: [String] {
        switch self {
        case .twoWay: return ["fake", "real"]
        case .threeWay: return ["true", "fake-true-text", "fake-false-text"]
        case .sixWay:
            return ["true", "satire-parody", "misleading-content", "imposter-content", "false-connection", "manipulated-content"]
        }
    }
}

/// `<format>:<path>` as written on the command line.
public struct DatasetSpecifier: Equatable, Sendable, CustomStringConvertible {
    public var format: DatasetFormat
    public var path: URL

    public init(format: DatasetFormat, path: URL) {
        self.format = format
        self.path = path
    }

    /// Parses `<format>:<path>`; `easy-vqa` alone means the cache copy
    /// (`${MMFUSION_CACHE:-~/.cache/mmfusion}/easy-vqa`).
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard let format = DatasetFormat(rawValue: name) else {
            throw DatasetError.badSpecifier(
                text, "unknown format '\(name)'; known: \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var path = parts.count > 1 ? String(parts[1]) : ""
        if path.isEmpty {
            guard format == .easyVQA else {
                throw DatasetError.badSpecifier(text, "write the dataset's path after the colon, e.g. \(name):/data/\(name)")
            }
            let cache = environment["MMFUSION_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
                ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache/mmfusion")
            path = cache + "/easy-vqa"
        }
        if path.hasPrefix("~/") { path = (environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst(1) }
        self.init(format: format, path: URL(fileURLWithPath: path))
    }

    public var description: String { "\(format.rawValue):\(path.path)" }
}

/// Errors that stop a load; each names the file, line or record and the fix.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case badSpecifier(String, String)
    case missingFile(String, String)
    case malformed(SourceLocation, String)
    case unknownLabel(SourceLocation, String, [String])
    case badSplitFile(String, String)

    public var description: String {
        switch self {
        case let .badSpecifier(text, why): return "dataset '\(text)': \(why)"
        case let .missingFile(path, fix): return "\(path): not found; \(fix)"
        case let .malformed(location, why):
            return "\(location): \(why) (fix the record, or pass --on-error skip to skip and record it)"
        case let .unknownLabel(location, label, known):
            return "\(location): label '\(label)' is not one of \(known.joined(separator: ", ")) (fix it, or pass --on-error skip)"
        case let .badSplitFile(path, why): return "split file \(path): \(why)"
        }
    }
}
