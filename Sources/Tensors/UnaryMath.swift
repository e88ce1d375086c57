import Foundation

// Element-wise functions. Each backward rule is the closed-form derivative, written
// beside the forward.

extension Tensor {
    /// e^x. d/dx = e^x.
    public func exp() -> Tensor {
        let out = vectorMap(self) { vectorExp($0) }
        return Tensor.recording(out, inputs: [self]) { g in [g * out.detached()] }
    }

    /// Natural logarithm. d/dx = 1/x.
    public func log() -> Tensor {
        let out = unaryMap(self) { Foundation.log($0) }
        return Tensor.recording(out, inputs: [self]) { g in [g / self.detached()] }
    }

    /// Square root. d/dx = 1 / (2 sqrt x).
    public func sqrt() -> Tensor {
        let out = unaryMap(self) { $0.squareRoot() }
        return Tensor.recording(out, inputs: [self]) { g in [g / (out.detached() * 2)] }
    }

    /// Hyperbolic tangent. d/dx = 1 - tanh^2 x.
    public func tanh() -> Tensor {
        let out = unaryMap(self) { Foundation.tanh($0) }
        return Tensor.recording(out, inputs: [self]) { g in
            [g * unaryMap(out) { 1 - $0 * $0 }]
        }
    }

    /// Logistic sigmoid 1 / (1 + e^-x). d/dx = s (1 - s).
    public func sigmoid() -> Tensor {
        let out = vectorMap(self) { x in 1 / (1 + vectorExp(-x)) }
        return Tensor.recording(out, inputs: [self]) { g in
            [g * unaryMap(out) { $0 * (1 - $0) }]
        }
    }

    /// max(x, 0). The gradient at 0 is 0, as in PyTorch.
    public func relu() -> Tensor {
        let out = unaryMap(self) { Swift.max($0, 0) }
        return Tensor.recording(out, inputs: [self]) { g in
            [binaryMap(g, self, op: "relu backward") { $1 > 0 ? $0 : 0 }]
        }
    }

    /// GELU with the exact erf form: x Φ(x) = x/2 (1 + erf(x/√2)).
    /// d/dx = Φ(x) + x φ(x). erf is evaluated eight lanes at a time within 1.5e-7 absolute
    /// (see `vectorErf`), as PyTorch's vectorised CPU kernel does.
    public func gelu() -> Tensor {
        let out = vectorMap(self, costPerItem: 12) { x in 0.5 * x * (1 + vectorErf(x * 0.70710678118654752)) }
        let input = self
        return Tensor.recording(out, inputs: [self]) { g in
            guard g.shape == input.shape else {
                return [binaryMap(g, input, op: "gelu backward") { gy, x in
                    let cdf = 0.5 * (1 + erff(x * 0.70710678118654752))
                    let pdf = 0.39894228040143268 * Foundation.exp(-0.5 * x * x)
                    return gy * (cdf + x * pdf)
                }]
            }
            return [vectorMap(g, input, costPerItem: 16) { gy, x in
                let cdf = 0.5 * (1 + vectorErf(x * 0.70710678118654752))
                let pdf = 0.39894228040143268 * vectorExp(-0.5 * x * x)
                return gy * (cdf + x * pdf)
            }]
        }
    }

    /// GELU with the tanh approximation (`approximate="tanh"`):
    /// x/2 (1 + tanh u) = x σ(2u) with u = √(2/π) (x + 0.044715 x³).
    public func geluTanh() -> Tensor {
        let c: Float = 0.79788456080286536 // sqrt(2/pi)
        let out = vectorMap(self) { x in x / (1 + vectorExp(-2 * c * (x + 0.044715 * x * x * x))) }
        return Tensor.recording(out, inputs: [self]) { g in
            [binaryMap(g, self, op: "gelu backward") { gy, x in
                let inner = c * (x + 0.044715 * x * x * x)
                let t = Foundation.tanh(inner)
                let dInner = c * (1 + 3 * 0.044715 * x * x)
                return gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dInner)
            }]
        }
    }

    /// CLIP's quick GELU: x σ(1.702 x).
    public func quickGELU() -> Tensor { self * (self * 1.702).sigmoid() }

    /// SiLU / swish: x σ(x).
    public func silu() -> Tensor { self * self.sigmoid() }

    /// log(1 + e^x), linear above `threshold` as in PyTorch. d/dx = σ(x).
    public func softplus(threshold: Float = 20) -> Tensor {
        let out = unaryMap(self) { x in x > threshold ? x : Foundation.log1p(Foundation.exp(x)) }
        return Tensor.recording(out, inputs: [self]) { g in
            [binaryMap(g, self, op: "softplus backward") { gy, x in
                x > threshold ? gy : gy / (1 + Foundation.exp(-x))
            }]
        }
    }

    /// Absolute value. d/dx = sign(x) (0 at 0).
    public func abs() -> Tensor {
        let out = unaryMap(self) { Swift.abs($0) }
        return Tensor.recording(out, inputs: [self]) { g in
            [binaryMap(g, self, op: "abs backward") { gy, x in x > 0 ? gy : (x < 0 ? -gy : 0) }]
        }
    }

    /// x². d/dx = 2x.
    public func squared() -> Tensor { self * self }

    /// Leaky ReLU with the given negative slope.
    public func leakyReLU(slope: Float = 0.01) -> Tensor {
        let out = unaryMap(self) { $0 > 0 ? $0 : slope * $0 }
        return Tensor.recording(out, inputs: [self]) { g in
            [binaryMap(g, self, op: "leakyReLU backward") { gy, x in x > 0 ? gy : slope * gy }]
        }
    }
}
