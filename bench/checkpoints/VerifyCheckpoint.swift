// Loads a PyTorch checkpoint with TensorArchive and compares every tensor, bit for bit,
// with torch.load's reading of it (a Float32 safetensors file from reference.py).
// Usage: verify-checkpoint <checkpoint.pt> <reference.safetensors>. Part of
// verify_real_checkpoints.sh; exits 1 on any difference.
import Foundation
import Tensors

@main
struct VerifyCheckpoint {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else {
            FileHandle.standardError.write(Data("usage: verify-checkpoint <checkpoint.pt> <reference.safetensors>\n".utf8))
            exit(2)
        }
        let clock = ContinuousClock()
        var archive: TensorArchive?
        let elapsed = try clock.measure { archive = try TensorArchive(contentsOf: URL(fileURLWithPath: arguments[1])) }
        guard let archive else { exit(1) }
        let reference = try SafetensorsFile(contentsOf: URL(fileURLWithPath: arguments[2]))
        var problems: [String] = []
        if archive.names != reference.names {
            let missing = Set(reference.names).subtracting(archive.names).sorted()
            let extra = Set(archive.names).subtracting(reference.names).sorted()
            problems.append("names differ: missing \(missing.prefix(5)), extra \(extra.prefix(5))")
        }
        var elements = 0
        for name in reference.names where archive.shape(of: name) != nil {
            let ours = try archive.tensor(name)
            let theirs = try reference.tensor(name)
            elements += ours.count
            if ours.shape != theirs.shape {
                problems.append("\(name): shape \(ours.shape) vs torch \(theirs.shape)")
            } else if ours.scalars.map(\.bitPattern) != theirs.scalars.map(\.bitPattern) {
                problems.append("\(name): values differ")
            }
        }
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        print("TensorArchive: \(archive.names.count) tensors, \(elements) elements, \(String(format: "%.1f", milliseconds)) ms")
        if problems.isEmpty {
            print("identical to torch.load: every name, shape and value")
        } else {
            for problem in problems.prefix(20) { print("MISMATCH \(problem)") }
            exit(1)
        }
    }
}
