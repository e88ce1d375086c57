import Tensors

/// How a sequence of token vectors [B, L, H] becomes one vector per sequence [B, H].
/// Every variant is built from differentiable ops, so gradients flow through it.
public enum TokenPooling: String, CaseIterable, Sendable {
    /// The first token's vector ([CLS] for BERT, `<s>` for RoBERTa).
    case cls
    /// The mean of the vectors of the tokens the attention mask keeps
    /// (sentence-transformers' `pooling_mode_mean_tokens`).
    case mean

    /// Pools `hiddenState` [B, L, H]; `attentionMask` is row-major [B, L] (1 token,
    /// 0 padding), nil for no padding. Only `mean` reads the mask.
    public func callAsFunction(_ hiddenState: Tensor, attentionMask: [Int]?) -> Tensor {
        switch self {
        case .cls: TokenPooling.firstToken(hiddenState)
        case .mean: TokenPooling.maskedMean(hiddenState, attentionMask: attentionMask)
        }
    }

    /// h[:, 0, :]: [B, L, H] → [B, H].
    public static func firstToken(_ hiddenState: Tensor) -> Tensor {
        precondition(hiddenState.rank == 3, "TokenPooling.firstToken: hidden state \(hiddenState.shape) must be [B, L, H]")
        let batch = hiddenState.shape[0], h = hiddenState.shape[2]
        return hiddenState.slice(axis: 1, 0..<1).reshaped([batch, h])
    }

    /// Σ_t m_t h_t / max(Σ_t m_t, 1e-9) with mask m [B, L] (row-major): [B, L, H] → [B, H].
    public static func maskedMean(_ hiddenState: Tensor, attentionMask: [Int]?) -> Tensor {
        precondition(hiddenState.rank == 3, "TokenPooling.maskedMean: hidden state \(hiddenState.shape) must be [B, L, H]")
        let batch = hiddenState.shape[0], length = hiddenState.shape[1]
        guard let attentionMask else { return hiddenState.mean(axis: 1) }
        precondition(attentionMask.count == batch * length,
                     "TokenPooling.maskedMean: mask of \(attentionMask.count) entries for \(batch) x \(length) tokens")
        let weights = Tensor(shape: [batch, length, 1], scalars: attentionMask.map { $0 != 0 ? 1 : 0 })
        let counts = Tensor(shape: [batch, 1], scalars: (0..<batch).map { b in
            Swift.max(Float((0..<length).filter { attentionMask[b * length + $0] != 0 }.count), 1e-9)
        })
        return (hiddenState * weights).sum(axis: 1) / counts
    }
}

extension Tensor {
    /// x / max(‖x‖₂, ε) along the last dimension (`torch.nn.functional.normalize`).
    public func l2Normalized(epsilon: Float = 1e-12) -> Tensor {
        let norms = (self * self).sum(axes: [rank - 1], keepDims: true).sqrt().clamped(min: epsilon)
        return self / norms
    }
}
