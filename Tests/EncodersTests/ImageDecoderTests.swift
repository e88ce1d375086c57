import Testing
@testable import Encoders
