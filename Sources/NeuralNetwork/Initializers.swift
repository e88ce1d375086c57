import Foundation

/// Weight initialisation schemes, as `torch.nn.init` defines them. Each returns a
/// trainable leaf (`requiresGrad = true`) drawn from the given generator.
///
/// Fans follow PyTorch: for a weight of shape [out, in, k...], fanIn = in·Πk and
/// fanOut = out·Πk.
public enum Initializer {
    /// fanIn and fanOut of a weight shape ([out, in, kernel...]).
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "Initializer.fans: needs at least 2 dimensions, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// U(-bound, bound).
    public static func uniform(_ shape: [Int], bound: Float, generator: inout RandomGenerator) -> Tensor {
        parameter(Tensor.uniform(shape, low: -bound, high: bound, generator: &generator))
    }

    /// N(mean, std²).
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout RandomGenerator) -> Tensor {
        parameter(Tensor.randn(shape, mean: mean, std: std, generator: &generator))
    }

    /// `kaiming_uniform_(w, a)` (fan_in mode, leaky-ReLU gain): U(-b, b) with
    /// b = √3 · √(2 / (1 + a²)) / √fanIn. With a = √5 (PyTorch's Linear and Conv
    /// default) b = 1/√fanIn.
    public static func kaimingUniform(_ shape: [Int], negativeSlope a: Float = Float(5).squareRoot(),
                                      generator: inout RandomGenerator) -> Tensor {
        let fanIn = fans(shape).fanIn
        let gain = (2 / (1 + a * a)).squareRoot()
        let bound = Float(3).squareRoot() * gain / Float(Swift.max(fanIn, 1)).squareRoot()
        return uniform(shape, bound: bound, generator: &generator)
    }

    /// `xavier_uniform_(w, gain)`: U(-b, b) with b = gain · √(6 / (fanIn + fanOut)).
    public static func xavierUniform(_ shape: [Int], gain: Float = 1, generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        let bound = gain * (6 / Float(Swift.max(fanIn + fanOut, 1))).squareRoot()
        return uniform(shape, bound: bound, generator: &generator)
    }

    /// A trainable tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { parameter(Tensor.zeros(shape)) }

    /// A trainable tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { parameter(Tensor.ones(shape)) }

    /// `tensor` as a trainable leaf.
    public static func parameter(_ tensor: Tensor) -> Tensor {
        var result = tensor.detached()
        result.requiresGrad = true
        return result
    }
}
