import Datasets
import Encoders
import Foundation

/// The raw text, tokens and image of the test posts the attention figures show. The
/// feature store keeps no text, so the posts are reloaded from the dataset the store was
/// extracted from (its manifest's dataset specifier and load options, or a dataset given
/// explicitly) and tokenized with the text encoder's tokenizer named in `run.json`'s
/// encoders (the store manifest's `EncoderRecord`s: role, kind, path, fileHashes, settings).
struct ReportPosts {
    struct Entry {
        var text: String
        var tokens: [String]?
        var imagePath: String?
    }

    var entries: [String: Entry] = [:]
    /// Why posts or tokens are unavailable, for the page's notes.
    var notes: [String] = []

    init(sidecar: [String: Any], dataset explicit: DatasetSpecifier?, ids: Set<String>) {
        var specifier = explicit
        var manifest: [String: Any]?
        var storeManifest: FeatureManifest?
        if let storePath = sidecar["feature_store"] as? String {
            let storeURL = URL(fileURLWithPath: storePath)
            manifest = try? ReportRunDirectory.readObject(storeURL.appendingPathComponent("manifest.json"))
            storeManifest = try? FeatureManifest.read(from: storeURL)
        }
        if specifier == nil, let storeManifest {
            specifier = try? DatasetSpecifier(parsing: storeManifest.dataset)
        }
        if specifier == nil, let manifest {
            specifier = Self.datasetSpecifier(in: manifest)
        }
        guard let specifier else {
            notes.append("The posts' text and images are not shown: the run names no readable dataset (pass --dataset <format>:<path>).")
            return
        }
        let loaded: LoadedDataset
        // The store's own load options (cleaning, label set, splits) give the text it encoded.
        do { loaded = try DatasetLoader.load(specifier, options: storeManifest?.loadOptions ?? LoadOptions()) } catch {
            notes.append("The posts' text and images are not shown: loading \(specifier) failed: \(error)")
            return
        }
        let tokenizer = Self.tokenizer(sidecar: sidecar, manifest: manifest, notes: &notes)
        let maximumLength = Self.maximumTextLength(sidecar: sidecar, manifest: manifest) ?? 128
        var storedImages: [String: String] = [:]
        for record in storeManifest?.records ?? [] where ids.contains(record.id) {
            if let image = record.image { storedImages[record.id] = image }
        }
        for post in loaded.posts where ids.contains(post.id) {
            let tokens = tokenizer?.encode(post.text, maxLength: maximumLength).tokens
            let image = storedImages[post.id] ?? post.image ?? post.imagePaths.first
            entries[post.id] = Entry(text: post.text, tokens: tokens, imagePath: image)
        }
    }

    /// `dataset` as "format:path" or {"format", "path"} (also under "specifier"/"dataset_specifier").
    static func datasetSpecifier(in manifest: [String: Any]) -> DatasetSpecifier? {
        for key in ["dataset", "dataset_specifier", "specifier"] {
            if let text = manifest[key] as? String, let parsed = try? DatasetSpecifier(parsing: text) { return parsed }
            if let object = manifest[key] as? [String: Any] {
                if let nested = datasetSpecifier(in: object) { return nested }
                if let format = (object["format"] as? String).flatMap(DatasetFormat.init(rawValue:)),
                   let path = object["path"] as? String {
                    return DatasetSpecifier(format: format, path: URL(fileURLWithPath: path))
                }
            }
        }
        return nil
    }

    /// The tokenizer of the first text encoder (`role` — or, in older layouts, `kind` —
    /// containing "text") whose `path` (or `directory`) loads.
    static func tokenizer(sidecar: [String: Any], manifest: [String: Any]?, notes: inout [String]) -> (any TextTokenizer)? {
        var candidates: [[String: Any]] = []
        for source in [sidecar["encoders"], manifest?["encoders"]] {
            if let list = source as? [[String: Any]] { candidates += list }
            if let object = source as? [String: Any] {
                for key in object.keys.sorted() {
                    if var entry = object[key] as? [String: Any] {
                        entry["kind", default: key] = entry["kind"] ?? key
                        candidates.append(entry)
                    }
                }
            }
        }
        for entry in candidates {
            let role = (entry["role"] as? String ?? entry["kind"] as? String ?? "").lowercased()
            guard role.contains("text"), let directory = entry["path"] as? String ?? entry["directory"] as? String else { continue }
            if let tokenizer = try? TokenizerLoader.load(directory: URL(fileURLWithPath: directory)) { return tokenizer }
        }
        notes.append("Text tokens are not shown: no text encoder directory in run.json loads a tokenizer.")
        return nil
    }

    static func maximumTextLength(sidecar: [String: Any], manifest: [String: Any]?) -> Int? {
        for source in [sidecar["encoders"], manifest?["tokenizer"], manifest?["encoders"]] {
            if let value = findInteger(named: ["max_length", "max_text_length"], in: source) { return value }
        }
        return nil
    }

    static func findInteger(named names: [String], in value: Any?) -> Int? {
        if let object = value as? [String: Any] {
            for name in names {
                if let number = object[name] as? NSNumber { return number.intValue }
                if let text = object[name] as? String, let number = Int(text) { return number }
            }
            for key in object.keys.sorted() { if let found = findInteger(named: names, in: object[key]) { return found } }
        }
        if let list = value as? [Any] {
            for item in list { if let found = findInteger(named: names, in: item) { return found } }
        }
        return nil
    }

    /// The image file as a `data:` URI when it is a format browsers show (JPEG, PNG,
    /// GIF, WebP, BMP), detected from its first bytes; nil otherwise.
    static func dataURI(forImageAt path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 12, data.count <= 8 << 20 else { return nil }
        let bytes = [UInt8](data.prefix(12))
        let mime: String
        if bytes[0] == 0xFF && bytes[1] == 0xD8 { mime = "image/jpeg" }
        else if bytes[0] == 0x89 && bytes[1] == 0x50 && bytes[2] == 0x4E && bytes[3] == 0x47 { mime = "image/png" }
        else if bytes[0] == 0x47 && bytes[1] == 0x49 && bytes[2] == 0x46 { mime = "image/gif" }
        else if bytes[0] == 0x52 && bytes[1] == 0x49 && bytes[8] == 0x57 && bytes[9] == 0x45 { mime = "image/webp" }
        else if bytes[0] == 0x42 && bytes[1] == 0x4D { mime = "image/bmp" }
        else { return nil }
        return "data:\(mime);base64," + data.base64EncodedString()
    }
}
