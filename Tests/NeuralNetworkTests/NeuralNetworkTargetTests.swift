import Testing
@testable import NeuralNetwork

@Suite struct NeuralNetworkTargetTests {
    @Test func targetLinks() {
        #expect(Bool(true) == true)
    }
}
