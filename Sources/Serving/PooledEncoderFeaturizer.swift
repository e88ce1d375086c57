import Encoders
import FusionModels
import Foundation
import Tensors

/// Pooled text and image features straight from the encoders: `text.pooled` [B, d_t]
/// (a BERT-family sentence embedder, mean-pooled over the attention mask) and
/// `image.pooled` [B, C] (a vision backbone's globally pooled last map, ImageNet
/// preprocessing). A missing modality gives a zero row and a false presence mask.
public final class PooledEncoderFeaturizer: PostFeaturizer {
    /// The text encoder.
    public let textEmbedder: TextEmbedder
    /// The image encoder.
    public let imageBackbone: any VisionBackbone
    /// The image preprocessing (resize, crop, normalise).
    public let preprocessing: ImagePreprocessing
    public let encoderDescriptions: [String: String]
    public var featureNames: [String] { [FeatureName.textPooled, FeatureName.imagePooled] }

    /// d_t, the text feature size.
    public var textFeatureSize: Int { textEmbedder.model.hiddenSize }
    /// C, the image feature size.
    public var imageFeatureSize: Int { imageBackbone.featureSize }

    /// Loads the text encoder from the Hugging Face folder `textDirectory` and the image
    /// backbone from `imageWeights` (a weight file or folder).
    /// - Throws: the encoders' loading errors, naming the file and key.
    public init(textDirectory: URL, imageWeights: URL, preprocessing: ImagePreprocessing = .imagenet) throws {
        textEmbedder = try TextEmbedder(directory: HuggingFaceDirectory(textDirectory))
        let backbone = try VisionModels.load(contentsOf: imageWeights)
        backbone.eval()
        imageBackbone = backbone
        self.preprocessing = preprocessing
        encoderDescriptions = ["text": textDirectory.path, "image": imageWeights.path]
    }

    public func inputs(for posts: [RawPost]) throws -> ModelInputs {
        let batch = posts.count
        let textRows = posts.indices.filter { posts[$0].text != nil }
        let imageRows = posts.indices.filter { posts[$0].image != nil }
        var text = Tensor.zeros([batch, textFeatureSize])
        if !textRows.isEmpty {
            let embedded = try textEmbedder.embed(textRows.map { posts[$0].text ?? "" },
                                                  options: TextEmbedder.Options(pooling: .mean))
            text = Self.scatter(embedded, rows: textRows, batch: batch)
        }
        var image = Tensor.zeros([batch, imageFeatureSize])
        if !imageRows.isEmpty {
            let pixels = try preprocessing(imageRows.compactMap { posts[$0].image?.decoded })
            let pooled = withoutGradients { imageBackbone.features(pixels, outputs: .pooled).pooled }
            guard let pooled else { throw ServingSetupError("the image backbone returned no pooled features") }
            image = Self.scatter(pooled, rows: imageRows, batch: batch)
        }
        return try ModelInputs(features: [FeatureName.textPooled: text, FeatureName.imagePooled: image],
                               textPresent: posts.map { $0.text != nil }, imagePresent: posts.map { $0.image != nil })
    }

    /// A [batch, d] tensor with `values` [rows.count, d] in `rows` and zeros elsewhere.
    static func scatter(_ values: Tensor, rows: [Int], batch: Int) -> Tensor {
        let width = values.shape[1]
        let source = values.scalars
        var result = [Float](repeating: 0, count: batch * width)
        for (index, row) in rows.enumerated() {
            for column in 0..<width { result[row * width + column] = source[index * width + column] }
        }
        return Tensor(shape: [batch, width], scalars: result)
    }
}
