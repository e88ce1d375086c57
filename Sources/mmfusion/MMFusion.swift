import ArgumentParser
import Foundation

@main
struct MMFusion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmfusion",
        abstract: "Train, evaluate, explain and serve image+text classifiers for social-media posts.",
        subcommands: [
            DemoCommand.self, EmbedCommand.self, ModelsCommand.self, DatasetsCommand.self, ExtractCommand.self, TrainCommand.self,
            EvaluateCommand.self, PredictCommand.self, RunsCommand.self, ReportCommand.self, BenchCommand.self, ServeCommand.self,
        ]
    )

    /// Runs the command with the exit codes of the command-line contract: 0 success,
    /// 1 the work failed (the message says what and where), 2 bad usage.
    static func main() {
        OpenBLASEnvironment.settleIdleThreads()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? 2 : (code == .success ? 0 : 1))
        }
    }
}
