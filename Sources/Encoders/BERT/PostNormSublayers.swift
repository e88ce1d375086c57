import NeuralNetwork
import Tensors

// The halves of a post-norm transformer layer that BERT and DeBERTa share once their
// attention has produced a context: LayerNorm(dropout(x Wᵀ + b) + residual) and the
// feed-forward block, with the bias, residual and layer norm fused when dropout is off.

extension Linear {
    /// x Wᵀ + b through the fused bias kernel.
    func affine(_ x: Tensor) -> Tensor { x.matmul(weight, transposeOther: true).addingBias(biasOrZeros) }

    /// The bias, zeros when the layer has none.
    var biasOrZeros: Tensor { bias ?? Tensor.zeros([outputSize]) }

    /// LayerNorm(dropout(x Wᵀ + b) + residual); one fused pass when `dropout` is inactive.
    func closingSublayer(_ x: Tensor, norm: LayerNorm, residual: Tensor, dropout: Dropout, training: Bool) -> Tensor {
        let product = x.matmul(weight, transposeOther: true)
        let gamma = norm.weight ?? Tensor.ones([outputSize]), beta = norm.bias ?? Tensor.zeros([outputSize])
        if training && dropout.probability > 0 {
            let dropped = dropout(product.addingBias(biasOrZeros))
            return (dropped + residual).layerNorm(weight: gamma, bias: beta, epsilon: norm.epsilon)
        }
        return product.addingBiasResidualLayerNorm(bias: biasOrZeros, residual: residual,
                                                   weight: gamma, normBias: beta, epsilon: norm.epsilon)
    }
}

/// The feed-forward block after attention: LayerNorm(dropout(act(a W₁ᵀ + b₁) W₂ᵀ + b₂) + a),
/// with the bias and GELU fused for the exact GELU.
func postNormFeedForward(_ attended: Tensor, intermediate: Linear, output: Linear, norm: LayerNorm,
                         activation: Activation, dropout: Dropout, training: Bool) -> Tensor {
    let expanded: Tensor
    if activation == .gelu {
        expanded = attended.matmul(intermediate.weight, transposeOther: true).addingBiasGELU(intermediate.biasOrZeros)
    } else {
        expanded = activation(intermediate.affine(attended))
    }
    return output.closingSublayer(expanded, norm: norm, residual: attended, dropout: dropout, training: training)
}
