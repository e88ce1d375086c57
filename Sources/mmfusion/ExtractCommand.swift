import ArgumentParser
import Datasets
import Distributed
import Foundation
import FusionModels

/// `mmfusion extract`: runs the encoders over a dataset once and caches the features the
/// chosen models read in a resumable feature store.
struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Encode a dataset's posts into a feature store (resumable; rerun the same command to finish).",
        discussion: """
            The features stored are those the models named by --for read (the union of their \
            requirements); without --for: the last 4 text layers' [CLS], the pooled text, the image \
            grid and the pooled image. Extracting into an existing store fills in what is missing and \
            refuses a store made with other encoders, weights, preprocessing or dataset options.
            """)

    @Option(help: "<format>:<path> of the dataset (see `mmfusion datasets list`).") var dataset: String
    @Option(help: "Hugging Face BERT-family model directory for the text.") var textEncoder: String?
    @Option(help: "Image backbone: a folder or weight file (ResNet, MobileNetV2, EfficientNet-Lite, Swin).") var imageEncoder: String?
    @Option(help: "CLIP model directory (for models that read CLIP embeddings).") var clip: String?
    @Option(help: "The feature store directory to write.") var out: String
    @Option(help: "Comma-separated model ids whose features to store (see `mmfusion models list`).") var `for`: String?
    @Option(help: "Extract only the first N posts.") var limit: Int?
    @Option(help: "Tokens per text (texts are truncated and padded to this length).") var maxTextLength = 128
    @Option(help: "Posts per encoder forward pass.") var batchSize = 32
    @Option(help: "Posts per shard file.") var shardSize = 512
    @Option(help: "none, or mpi: run as one rank of `mpirun -np N` / `srun`; rank r extracts shards r, r+N, ... and rank 0 writes the manifest.")
    var distributed: DistributedMode = .none
    @OptionGroup var load: DatasetLoadArguments

    func validate() throws {
        guard maxTextLength >= 2 else { throw ValidationError("--max-text-length must be at least 2") }
        guard batchSize > 0, shardSize > 0 else { throw ValidationError("--batch-size and --shard-size must be positive") }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        let specifier: DatasetSpecifier
        let options: LoadOptions
        let spec: FeatureSpec
        do {
            specifier = try DatasetSpecifier(parsing: dataset)
            options = try load.options()
            spec = try Self.spec(forModels: self.for)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError(String(describing: error))
        }
        if spec.clipEmbeddings && clip == nil {
            throw ValidationError("the models named by --for read CLIP embeddings: give --clip <CLIP model directory>")
        }
        let loaded = try DatasetLoader.load(specifier, options: options)
        let text = try spec.needsTextEncoder
            ? textEncoder.map { try BertFeatureEncoder(directory: URL(fileURLWithPath: $0), maxLength: maxTextLength) } : nil
        let image = try spec.needsImageEncoder ? imageEncoder.map { try VisionFeatureEncoder(url: URL(fileURLWithPath: $0)) } : nil
        var storeSpec = spec
        if clip != nil { storeSpec.clipEmbeddings = true }
        let clipEncoder = try clip.map { try ClipFeatureEncoder(directory: URL(fileURLWithPath: $0)) }
        let extractor = try FeatureExtractor(spec: storeSpec, text: text, image: image, clip: clipEncoder,
                                             missingImage: options.missingImage)
        let planned = min(limit ?? loaded.posts.count, loaded.posts.count)
        let communicator = try distributed.makeCommunicator()
        defer { (communicator as? MPICommunicator)?.finalize() }
        let partition = ExtractionPartition(rank: communicator.rank, size: communicator.size) { try communicator.barrier() }
        // Rank 0 draws the bar for its own shards (about 1/N of the posts).
        let bar = communicator.isRoot ? ProgressBar(label: "extracting", total: planned, threshold: 0) : nil
        let store = try FeatureStore.extract(
            dataset: loaded, specifier: dataset, options: options, extractor: extractor, into: URL(fileURLWithPath: out),
            limit: limit, batchSize: batchSize, shardSize: shardSize, partition: partition) { done, _ in bar?.update(done) }
        guard communicator.isRoot else { return }
        let manifest = store.manifest
        let reasons = manifest.skippedByReason.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        var message = "stored \(manifest.stored) post(s) of \(manifest.seen) read in \(manifest.shards.count) shard(s) at \(out)"
        if !reasons.isEmpty { message += "; skipped \(manifest.skipped.count): " + reasons.joined(separator: ", ") }
        FileHandle.standardError.write(Data((message + " (reasons per post in manifest.json)\n").utf8))
    }

    /// The union of the named models' feature requirements, as a store spec.
    static func spec(forModels list: String?) throws -> FeatureSpec {
        guard let list else { return FeatureSpec() }
        var spec = FeatureSpec.empty
        for id in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !id.isEmpty {
            let descriptor = try ModelRegistry.descriptor(id: id)
            let classes = descriptor.presets.first?.classCount ?? 2
            let model = try ModelRegistry.make(id: id, config: nil, classes: classes, seed: 0)
            spec = spec.union(FeatureSpec(requirements: model.requirements))
        }
        return spec
    }
}

extension FeatureSpec {
    /// The store spec that holds what `requirements` names.
    init(requirements r: FeatureRequirements) {
        self.init(textLayerCount: r.textLayerCount, textClassTokens: r.textClassTokens,
                  textTokenSequences: r.textTokenSequences, textPooled: r.textPooled, textTokenIds: r.textTokenIds,
                  imageGrid: r.imageGrid, imagePooled: r.imagePooled, imageLogits: r.imageLogits,
                  clipEmbeddings: r.clipEmbeddings)
    }
}
