/// The group of one: every collective leaves its input as it is.
public final class SingleProcessCommunicator: Communicator {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {}

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard root == 0 else { throw DistributedError.invalidArgument("root \(root) in a group of 1") }
    }

    public func gather(_ bytes: [UInt8], root: Int) throws -> [[UInt8]]? {
        guard root == 0 else { throw DistributedError.invalidArgument("root \(root) in a group of 1") }
        return [bytes]
    }

    public func barrier() throws {}
}
