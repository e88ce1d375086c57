import Testing
import Tensors
@testable import Encoders

/// CLS and masked-mean pooling and L2 normalisation, checked against hand computations.
@Suite struct BertPoolingTests {
    /// [2, 3, 2]: batch 0 = (1,2) (3,4) (5,6); batch 1 = (-1,0) (7,8) (100,100).
    let hidden = Tensor(shape: [2, 3, 2], scalars: [1, 2, 3, 4, 5, 6, -1, 0, 7, 8, 100, 100])

    @Test func clsTakesTheFirstToken() {
        #expect(TokenPooling.firstToken(hidden).scalars == [1, 2, -1, 0])
        #expect(TokenPooling.cls(hidden, attentionMask: nil).shape == [2, 2])
    }

    @Test func meanIgnoresPadding() {
        let pooled = TokenPooling.maskedMean(hidden, attentionMask: [1, 1, 1, 1, 1, 0])
        #expect(pooled.scalars == [3, 4, 3, 4])
        #expect(Swift.abs(TokenPooling.maskedMean(hidden, attentionMask: nil).scalars[2] - 106.0 / 3) < 1e-5)
    }

    @Test func meanPoolingPassesGradientsToKeptTokensOnly() {
        var x = hidden
        x.requiresGrad = true
        TokenPooling.maskedMean(x, attentionMask: [1, 0, 1, 1, 1, 1]).sum().backward()
        let expected: [Float] = [0.5, 0.5, 0, 0, 0.5, 0.5] + [Float](repeating: 1.0 / 3, count: 6)
        let gradient = x.grad?.scalars ?? []
        #expect(gradient.count == 12 && zip(gradient, expected).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    }

    @Test func l2NormalizationGivesUnitRows() {
        let normalized = Tensor(shape: [2, 2], scalars: [3, 4, 0, 0]).l2Normalized()
        #expect(normalized.scalars == [0.6, 0.8, 0, 0])
    }
}
