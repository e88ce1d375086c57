/// Layers applied in order, `torch.nn.Sequential`; children are keyed "0", "1", … so
/// `Sequential(Linear, ReLU, Linear)` has keys `0.weight`, `0.bias`, `2.weight`, `2.bias`.
public final class Sequential: UnaryLayer {
    public var isTraining = true
    /// The layers, in order.
    public let layers: [any UnaryLayer]

    /// A chain of `layers`.
    public init(_ layers: [any UnaryLayer]) { self.layers = layers }

    /// A chain of `layers`.
    public convenience init(_ layers: any UnaryLayer...) { self.init(layers) }

    public var children: [(String, any Module)] {
        layers.enumerated().map { (String($0.offset), $0.element as any Module) }
    }

    /// Each layer applied to the previous one's output.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1($0) }
    }
}

/// An ordered list of modules keyed "0", "1", … (PyTorch's `nn.ModuleList`), for
/// stacks such as `encoder.layer.<i>`.
public final class ModuleList<Element: Module>: Module {
    public var isTraining = true
    /// The modules, in order.
    public let modules: [Element]

    /// A list holding `modules`.
    public init(_ modules: [Element]) { self.modules = modules }

    public var children: [(String, any Module)] {
        modules.enumerated().map { (String($0.offset), $0.element as any Module) }
    }

    /// Number of modules.
    public var count: Int { modules.count }

    /// The module at `index`.
    public subscript(index: Int) -> Element { modules[index] }
}
