/// Why a CLIP, Chinese-CLIP or ViT model could not be configured, loaded or run. Each
/// message says what is wrong, where, and how to fix it.
public enum CLIPError: Error, Equatable, CustomStringConvertible {
    /// `config.json` holds a value the model cannot use.
    case invalidConfig(String)
    /// Token ids, masks or pixels passed to the model are unusable.
    case invalidInput(String)
    /// The weights match no CLIP layout this code reads.
    case unrecognisedCheckpoint(source: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidConfig(detail): return "invalid CLIP/ViT config: \(detail)"
        case let .invalidInput(detail): return "invalid CLIP/ViT input: \(detail)"
        case let .unrecognisedCheckpoint(source, detail):
            return "\(source): not a CLIP checkpoint this code reads (\(detail)); pass a Hugging Face CLIPModel or "
                + "ChineseCLIPModel folder (config.json + model.safetensors) or an OpenAI / open_clip state dict"
        }
    }
}
