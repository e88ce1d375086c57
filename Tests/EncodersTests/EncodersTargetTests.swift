import Testing
@testable import Encoders

@Suite struct EncodersTargetTests {
    @Test func targetLinks() {
        #expect(Bool(true) == true)
    }
}
