/// Shape of a torchvision-style ResNet (v1.5: the stride sits on the 3x3 convolution).
///
/// Decoded from JSON with snake_case keys (`depth`, `num_classes`, `base_width`), or
/// inferred from a checkpoint's keys and shapes with `ResNetConfig(inferringFrom:)`.
public struct ResNetConfig: Codable, Sendable, Equatable {
    /// 18, 34, 50, 101 or 152.
    public var depth: Int
    /// Classifier outputs; nil for a feature-only model without `fc`.
    public var numClasses: Int?
    /// Channels of the stem and of `layer1`'s 3x3 convolutions (64 in the paper); the
    /// stages use base·(1, 2, 4, 8). Smaller values give the tiny test models.
    public var baseWidth: Int
    /// Batch norm ε.
    public var batchNormEpsilon: Float

    enum CodingKeys: String, CodingKey {
        case depth, numClasses = "num_classes", baseWidth = "base_width", batchNormEpsilon = "batch_norm_epsilon"
    }

    public init(depth: Int, numClasses: Int? = 1000, baseWidth: Int = 64, batchNormEpsilon: Float = 1e-5) {
        self.depth = depth
        self.numClasses = numClasses
        self.baseWidth = baseWidth
        self.batchNormEpsilon = batchNormEpsilon
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        depth = try container.decode(Int.self, forKey: .depth)
        numClasses = try container.decodeIfPresent(Int.self, forKey: .numClasses)
        baseWidth = try container.decodeIfPresent(Int.self, forKey: .baseWidth) ?? 64
        batchNormEpsilon = try container.decodeIfPresent(Float.self, forKey: .batchNormEpsilon) ?? 1e-5
    }

    /// The depths this code builds.
    public static let supportedDepths = [18, 34, 50, 101, 152]

    /// Residual blocks per stage.
    public var blockCounts: [Int] {
        switch depth {
        case 18: return [2, 2, 2, 2]
        case 34: return [3, 4, 6, 3]
        case 50: return [3, 4, 6, 3]
        case 101: return [3, 4, 23, 3]
        default: return [3, 8, 36, 3]
        }
    }

    /// Bottleneck blocks (1x1, 3x3, 1x1 with expansion 4) rather than basic blocks (two 3x3).
    public var usesBottleneck: Bool { depth >= 50 }

    /// Output channels of a block relative to its width: 4 for bottlenecks, 1 for basic blocks.
    public var expansion: Int { usesBottleneck ? 4 : 1 }

    /// Channels of the last feature map (2048 for ResNet-50 at base width 64).
    public var featureSize: Int { baseWidth * 8 * expansion }

    /// The configuration a torchvision/timm state dict describes: depth from the block
    /// counts and the presence of `conv3`, base width from `conv1.weight`, classes from
    /// `fc.weight`.
    /// - Throws: `VisionModelError.unrecognisedWeights` when the keys do not describe a ResNet.
    public init(inferringFrom shapes: [String: [Int]], source: String) throws {
        guard let stem = shapes["conv1.weight"], stem.count == 4 else {
            throw VisionModelError.unrecognisedWeights(source: source, detail: "no 4-D 'conv1.weight'")
        }
        var counts: [Int] = []
        for stage in 1...4 {
            var count = 0
            while shapes["layer\(stage).\(count).conv1.weight"] != nil { count += 1 }
            counts.append(count)
        }
        let bottleneck = shapes["layer1.0.conv3.weight"] != nil
        let match = Self.supportedDepths.first { depth in
            let config = ResNetConfig(depth: depth)
            return config.blockCounts == counts && config.usesBottleneck == bottleneck
        }
        guard let depth = match else {
            throw VisionModelError.unrecognisedWeights(
                source: source, detail: "ResNet stages hold \(counts) \(bottleneck ? "bottleneck" : "basic") blocks, "
                    + "which matches no depth in \(Self.supportedDepths)")
        }
        self.init(depth: depth, numClasses: shapes["fc.weight"].map { $0[0] }, baseWidth: stem[0])
    }
}
