import Testing
import Tensors

/// One op under test: a function of tensors built with our ops, and the name of its
/// PyTorch reference in `Tests/Fixtures/ops/<area>.safetensors`
/// (written by `Tests/Fixtures/generate/ops.py`, which holds the same expression in torch).
///
/// The fixture gives the inputs, the upstream gradient (cotangent), torch's float64
/// output and torch's float64 gradients; an input takes a gradient exactly when the
/// fixture holds one for it.
struct OpCase: Sendable, CustomTestStringConvertible {
    let area: String
    let name: String
    let function: @Sendable ([Tensor]) -> Tensor

    init(_ area: String, _ name: String, _ function: @escaping @Sendable ([Tensor]) -> Tensor) {
        self.area = area
        self.name = name
        self.function = function
    }

    var testDescription: String { name }

    struct Reference {
        let inputs: [Tensor]
        let differentiable: [Bool]
        let output: Tensor
        let cotangent: Tensor
        let gradients: [Tensor?]
    }

    /// The fixture's record of this case. Fails (rather than letting `backward` trap) when
    /// our output's shape differs from torch's.
    func reference(sourceLocation: SourceLocation) throws -> Reference {
        let fixture = try OpFixture(area: area)
        let inputs = try fixture.inputs(name)
        try #require(!inputs.isEmpty, "\(fixture.file.path): no tensor '\(name)/input0'; regenerate with Tests/Fixtures/generate/ops.py",
                     sourceLocation: sourceLocation)
        let gradients = try inputs.indices.map { i in
            fixture.contains("\(name)/grad\(i)") ? try fixture.tensor("\(name)/grad\(i)") : nil
        }
        let reference = Reference(
            inputs: inputs, differentiable: gradients.map { $0 != nil },
            output: try fixture.tensor("\(name)/output"), cotangent: try fixture.tensor("\(name)/cotangent"),
            gradients: gradients)
        let shape = withoutGradients { function(inputs) }.shape
        try #require(shape == reference.output.shape, "\(name): output shape \(shape), torch \(reference.output.shape)",
                     sourceLocation: sourceLocation)
        return reference
    }

    /// Our forward output against torch's float64 output.
    func checkForward(tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reference = try reference(sourceLocation: sourceLocation)
        let output = withoutGradients { function(reference.inputs) }
        expectNear(output, reference.output, tolerance: tolerance, "\(name) forward", sourceLocation: sourceLocation)
    }

    /// Our backward against central differences of our own forward (Float32).
    func checkFiniteDifferences(tolerance: Double = 1e-2, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reference = try reference(sourceLocation: sourceLocation)
        let check = GradientCheck(function: function, inputs: reference.inputs, differentiable: reference.differentiable)
        let comparisons = check.compare(cotangent: reference.cotangent)
        #expect(!comparisons.isEmpty, "\(name): no input takes a gradient", sourceLocation: sourceLocation)
        for comparison in comparisons {
            let error = comparison.maximumError()
            #expect(error <= tolerance, "\(name) input \(comparison.input): finite-difference error \(error)",
                    sourceLocation: sourceLocation)
        }
    }

    /// Our backward against torch's float64 autograd for the same cotangent.
    ///
    /// Elements far below the gradient's own scale are measured against
    /// 1e-3 · rms(cotangent) instead: with the default 1e-4 tolerance that allows about one
    /// Float32 ulp of the upstream gradient, the rounding that a Float32 backward cannot
    /// avoid where terms cancel (a saturated softmax row).
    func checkGradients(tolerance: Double = 1e-4, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reference = try reference(sourceLocation: sourceLocation)
        let check = GradientCheck(function: function, inputs: reference.inputs, differentiable: reference.differentiable)
        let gradients = check.analyticGradients(cotangent: reference.cotangent)
        for (i, expected) in reference.gradients.enumerated() {
            guard let expected else {
                #expect(gradients[i] == nil, "\(name) input \(i) takes no gradient", sourceLocation: sourceLocation)
                continue
            }
            guard let gradient = gradients[i] else {
                Issue.record("\(name) input \(i): backward left no gradient", sourceLocation: sourceLocation)
                continue
            }
            let cotangent = reference.cotangent.scalars.map(Double.init)
            let rms = (cotangent.map { $0 * $0 }.reduce(0, +) / Double(Swift.max(cotangent.count, 1))).squareRoot()
            expectNear(gradient, expected, tolerance: tolerance, floor: 1e-3 * rms, "\(name) gradient \(i)",
                        sourceLocation: sourceLocation)
        }
    }
}
