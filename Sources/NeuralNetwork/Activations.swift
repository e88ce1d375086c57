/// Element-wise activation functions, named as PyTorch and Hugging Face configs name them.
public enum Activation: Sendable, Equatable {
    /// max(x, 0).
    case relu
    /// x·Φ(x) with the exact error function (`nn.GELU()`, HF `"gelu"`).
    case gelu
    /// The tanh approximation of GELU (`nn.GELU(approximate="tanh")`, HF `"gelu_new"`).
    case geluTanh
    /// x·σ(1.702x) (CLIP's `"quick_gelu"`).
    case quickGELU
    /// x·σ(x) (`nn.SiLU`, HF `"silu"`/`"swish"`).
    case silu
    /// tanh(x).
    case tanh
    /// σ(x).
    case sigmoid
    /// x for x ≥ 0, slope·x otherwise.
    case leakyReLU(slope: Float)
    /// The identity.
    case identity

    /// The activation a config string names (`hidden_act`, `activation`): `relu`, `gelu`,
    /// `gelu_new`/`gelu_pytorch_tanh`/`gelu_fast`, `quick_gelu`, `silu`/`swish`, `tanh`,
    /// `sigmoid`, `leaky_relu`, `linear`/`identity`; nil for any other name.
    public init?(name: String) {
        switch name.lowercased() {
        case "relu": self = .relu
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_tanh": self = .geluTanh
        case "quick_gelu": self = .quickGELU
        case "silu", "swish": self = .silu
        case "tanh": self = .tanh
        case "sigmoid": self = .sigmoid
        case "leaky_relu": self = .leakyReLU(slope: 0.01)
        case "linear", "identity": self = .identity
        default: return nil
        }
    }

    /// Applies the activation element-wise.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        switch self {
        case .relu: input.relu()
        case .gelu: input.gelu()
        case .geluTanh: input.geluTanh()
        case .quickGELU: input.quickGELU()
        case .silu: input.silu()
        case .tanh: input.tanh()
        case .sigmoid: input.sigmoid()
        case let .leakyReLU(slope): input.leakyReLU(slope: slope)
        case .identity: input
        }
    }
}

/// An activation as a parameterless module (`nn.ReLU()`, `nn.GELU()` in a `Sequential`).
public final class ActivationLayer: UnaryLayer {
    public var isTraining = true
    /// The function applied.
    public let activation: Activation

    /// A layer applying `activation`.
    public init(_ activation: Activation) { self.activation = activation }

    /// The activation of `input`, element-wise.
    public func callAsFunction(_ input: Tensor) -> Tensor { activation(input) }
}
