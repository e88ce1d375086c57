import NeuralNetwork

/// HGLNet's text alignment (equation 8 before the GGA weight): E′ = LN(ReLU(E W_e + b_e)).
/// Shapes: [B, d_n, d_t] → [B, d_n, d_f]. Keys: `linear`, `norm`.
final class TextAlignment: Module {
    var isTraining = true
    let linear: Linear
    let norm: LayerNorm

    init(inputSize: Int, modelDimension: Int, generator: inout RandomGenerator) {
        linear = Linear(inputSize: inputSize, outputSize: modelDimension, generator: &generator)
        norm = LayerNorm(dimension: modelDimension)
    }

    var children: [(String, any Module)] { [("linear", linear), ("norm", norm)] }

    func callAsFunction(_ tokens: Tensor) -> Tensor { norm(linear(tokens).relu()) }
}

/// HGLNet's image alignment (equation 9 before the GGA weight):
/// V′ = LN(ReLU(Flatten(BN(Conv₁ₓ₁(V))) W_v + b_v)).
///
/// The 1×1 convolution maps the C channels of the H×W grid to d_n channels, BN normalises
/// them, Flatten gives [d_n, H·W], and W_v maps the H·W positions to d_f, so the image
/// stream has the text's d_n rows (the paper's V′_l ∈ R^{d_n×d_f}).
/// Shapes: grid tokens [B, H·W, C] → [B, d_n, d_f]. Keys: `conv`, `bn`, `linear`, `norm`.
final class ImageAlignment: Module {
    var isTraining = true
    let convolution: Conv2d
    let batchNorm: BatchNorm
    let linear: Linear
    let norm: LayerNorm
    let gridHeight: Int
    let gridWidth: Int

    init(channels: Int, gridHeight: Int, gridWidth: Int, rows: Int, modelDimension: Int,
         generator: inout RandomGenerator) {
        self.gridHeight = gridHeight
        self.gridWidth = gridWidth
        convolution = Conv2d(inputChannels: channels, outputChannels: rows, kernelSize: (1, 1), generator: &generator)
        batchNorm = BatchNorm(channelCount: rows)
        linear = Linear(inputSize: gridHeight * gridWidth, outputSize: modelDimension, generator: &generator)
        norm = LayerNorm(dimension: modelDimension)
    }

    var children: [(String, any Module)] {
        [("conv", convolution), ("bn", batchNorm), ("linear", linear), ("norm", norm)]
    }

    func callAsFunction(_ grid: Tensor) -> Tensor {
        let batch = grid.shape[0], channels = grid.shape[2]
        let image = grid.permuted([0, 2, 1]).reshaped([batch, channels, gridHeight, gridWidth])
        let mapped = batchNorm(convolution(image))
        let flat = mapped.reshaped([batch, mapped.shape[1], gridHeight * gridWidth])
        return norm(linear(flat).relu())
    }
}
