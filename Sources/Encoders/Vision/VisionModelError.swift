/// Why a vision model could not be built from the given weights.
public enum VisionModelError: Error, Equatable, CustomStringConvertible {
    /// The weights' keys match none of the supported architectures, or not the one asked for.
    case unrecognisedWeights(source: String, detail: String)
    /// The architecture name is not one this code builds.
    case unknownArchitecture(String)

    public var description: String {
        switch self {
        case let .unrecognisedWeights(source, detail):
            return "\(source): weights not recognised (\(detail)); pass --architecture, or check the file holds "
                + "a ResNet, MobileNetV2, EfficientNet-Lite0 or Swin state dict"
        case let .unknownArchitecture(name):
            return "unknown architecture '\(name)'; use one of " + VisionArchitecture.allCases.map(\.rawValue).joined(separator: ", ")
        }
    }
}
