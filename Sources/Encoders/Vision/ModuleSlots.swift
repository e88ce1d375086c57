import NeuralNetwork

// Adapters that give the backbones' building blocks the nesting of PyTorch's
// `nn.Sequential` containers, so parameter walks spell the checkpoint keys.

/// A module seen through a list slot (`downsample.0`, `features.3`), sharing its training flag.
final class ModuleSlot: Module {
    let module: any Module
    var isTraining: Bool {
        get { module.isTraining }
        set { module.isTraining = newValue }
    }
    init(_ module: any Module) { self.module = module }
    var ownParameters: [(String, Tensor)] { module.ownParameters }
    var ownBuffers: [(String, Tensor)] { module.ownBuffers }
    var children: [(String, any Module)] { module.children }
}

/// A convolution + batch norm unit seen as torchvision's `Conv2dNormActivation`
/// (keys `0` convolution, `1` batch norm).
final class UnitModule: Module {
    var isTraining = false
    let unit: ConvolutionBatchNorm
    init(_ unit: ConvolutionBatchNorm) { self.unit = unit }
    var children: [(String, any Module)] { [("0", unit.convolution), ("1", unit.norm)] }
}

/// A parameterless slot (a dropout in a `Sequential`) that keeps its siblings' indices.
final class EmptyModule: Module {
    var isTraining = false
}
