/// Why a BERT-family model could not be configured, loaded or run. Each message says
/// what is wrong, where, and how to fix it.
public enum BertError: Error, Equatable, CustomStringConvertible {
    /// `config.json` holds a value the model cannot use.
    case invalidConfig(String)
    /// The token ids, attention mask or token type ids passed to the model are unusable.
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .invalidConfig(detail): return "invalid BERT config: \(detail)"
        case let .invalidInput(detail): return "invalid BERT input: \(detail)"
        }
    }
}
