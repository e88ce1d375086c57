import Foundation

/// Runs the built `mmfusion` executable under `mpirun` on this machine.
enum MPIRun {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The release `mmfusion` executable that `make test` builds beside the tests.
    static var executable: URL { repository.appendingPathComponent(".build/release/mmfusion") }

    /// Runs the executable as one plain process (no launcher).
    static func runAlone(arguments: [String], environment extra: [String: String] = [:]) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw MPIRunError("\(executable.path) is missing; build with `swift build -c release` first")
        }
        return try launch(executable, arguments: arguments,
                          environment: ProcessInfo.processInfo.environment.merging(extra) { $1 }, directory: nil)
    }

    static func run(ranks: Int, arguments: [String], directory: URL? = nil) throws -> Result {
        let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let mpirun else {
            throw MPIRunError("mpirun is not installed; `make setup` installs openmpi-bin and libopenmpi-dev")
        }
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw MPIRunError("\(executable.path) is missing; build with `swift build -c release` first")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        return try launch(URL(fileURLWithPath: mpirun),
                          arguments: ["-np", String(ranks), "--oversubscribe", executable.path] + arguments,
                          environment: environment, directory: directory)
    }

    static func launch(_ program: URL, arguments: [String], environment: [String: String], directory: URL?) throws -> Result {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        // stderr goes to a file so a chatty launcher cannot fill a pipe while stdout is read.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("mpirun-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorData = (try? Data(contentsOf: errorFile)) ?? Data()
        return Result(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                      errors: String(decoding: errorData, as: UTF8.self))
    }
}

struct MPIRunError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
