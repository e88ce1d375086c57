import Foundation
import Tensors
import Testing
@testable import Training

/// The HTML report of a run directory built by hand with the files of the run-directory
/// contract (run.json, config.json, history.jsonl, metrics.json, predictions, intermediates).
@Suite struct ReportTests {
    static let labelNames = ["cat", "dog", "bird <&>"]

    /// Writes a run directory with 30 test posts, a feature store manifest naming a JSONL
    /// dataset with images, and the MiniLM tokenizer fixture as the text encoder.
    static func makeRun(in root: URL) throws -> URL {
        let run = root.appendingPathComponent("run")
        let store = root.appendingPathComponent("features")
        let data = root.appendingPathComponent("data")
        for folder in [run, store, data.appendingPathComponent("images")] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let image = ReportFixture.root.appendingPathComponent("images/jpeg_progressive_240x160.jpg")
        try FileManager.default.copyItem(at: image, to: data.appendingPathComponent("images/p.jpg"))
        let tokenizer = ReportFixture.root.appendingPathComponent("tokenizers/minilm").path
        let count = 30
        var posts = ""
        for row in 0..<count {
            let label = labelNames[row % 3].replacingOccurrences(of: " <&>", with: "")
            posts += "{\"id\": \"t\(row)\", \"text\": \"a photo of a \(label) number \(row) in the park\", \"image\": \"images/p.jpg\", \"label\": \"\(labelNames[row % 3])\", \"split\": \"test\"}\n"
        }
        try posts.write(to: data.appendingPathComponent("posts.jsonl"), atomically: true, encoding: .utf8)
        let manifest: [String: Any] = ["format": 1, "dataset": "jsonl:" + data.appendingPathComponent("posts.jsonl").path]
        try JSONSerialization.data(withJSONObject: manifest).write(to: store.appendingPathComponent("manifest.json"))
        let sidecar: [String: Any] = [
            "format": 1, "model": "hglnet", "configuration": ["hidden_size": 8, "layers": 2],
            "label_names": labelNames, "features": ["text.pooled", "image.grid"], "feature_store": store.path,
            // The feature store manifest's EncoderRecord layout.
            "encoders": [["role": "text", "kind": "bert", "path": tokenizer, "settings": ["max_length": "16", "model_id": "all-MiniLM-L6-v2"],
                          "fileHashes": ["model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"]],
                         ["role": "image", "kind": "efficientnet-lite0", "path": "/weights/efficientnet-lite0", "settings": [:],
                          "fileHashes": ["model.safetensors": "0f4b1e7c9b1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d"]]],
            "seed": 3, "ablations": [], "hyperparameters": ["learning_rate": 0.001, "batch_size": 32],
            "created": "2026-11-23T20:00:00Z", "best_epoch": 4, "metrics": ["accuracy": 0.8], "temperature": 1.25,
        ]
        try JSONSerialization.data(withJSONObject: sidecar).write(to: run.appendingPathComponent("run.json"))
        try JSONSerialization.data(withJSONObject: ["model": "hglnet", "epochs": 5, "seed": 3])
            .write(to: run.appendingPathComponent("config.json"))
        var history = ""
        for epoch in 1...5 {
            let e = Double(epoch)
            history += "{\"epoch\": \(epoch), \"step\": \(epoch * 10), \"train_loss\": \(1.2 / e), \"val_loss\": \(1.3 / e + 0.05), \"val_accuracy\": \(0.5 + 0.06 * e), \"val_macro_f1\": \(0.45 + 0.06 * e), \"learning_rate\": 0.001, \"seconds\": 1.5}\n"
        }
        try history.write(to: run.appendingPathComponent("history.jsonl"), atomically: true, encoding: .utf8)
        // Predictions: every fifth post is wrong (predicted the next class).
        var generator = RandomGenerator(seed: 9)
        var test = ""
        var confusion = [[Int]](repeating: [0, 0, 0], count: 3)
        for row in 0..<count {
            let label = row % 3
            let predicted = row % 5 == 0 ? (label + 1) % 3 : label
            confusion[label][predicted] += 1
            var probabilities = [0.1, 0.1, 0.1]
            probabilities[predicted] = 0.8
            test += "{\"id\": \"t\(row)\", \"label\": \"\(labelNames[label])\", \"predicted\": \"\(labelNames[predicted])\", \"probabilities\": \(probabilities)}\n"
        }
        try test.write(to: run.appendingPathComponent("predictions-test.jsonl"), atomically: true, encoding: .utf8)
        var validation = ""
        for row in 0..<20 {
            let label = row % 3
            let predicted = row % 4 == 0 ? (label + 2) % 3 : label
            var probabilities = [0.05, 0.05, 0.05]
            probabilities[predicted] = 0.9
            validation += "{\"id\": \"v\(row)\", \"label\": \(label), \"predicted\": \(predicted), \"probabilities\": \(probabilities)}\n"
        }
        try validation.write(to: run.appendingPathComponent("predictions-val.jsonl"), atomically: true, encoding: .utf8)
        var perClass: [[String: Any]] = []
        for index in 0..<3 {
            let share = 0.05 * Double(index)
            let entry: [String: Any] = ["label": labelNames[index], "precision": 0.8, "recall": 0.7 + share, "f1": 0.75 + share,
                                        "support": 10]
            perClass.append(entry)
        }
        let metrics: [String: Any] = ["accuracy": 0.8, "macro_f1": 0.7912, "weighted_f1": 0.7987, "per_class": perClass,
                                      "confusion_matrix": confusion]
        try JSONSerialization.data(withJSONObject: metrics).write(to: run.appendingPathComponent("metrics.json"))
        let fused = Tensor(shape: [count, 8]) { buffer in
            for row in 0..<count {
                for column in 0..<8 {
                    buffer[row * 8 + column] = (column == row % 3 ? 6 : 0) + generator.nextNormal()
                }
            }
        }
        let weights = Tensor(shape: [count, 2]) { buffer in
            for row in 0..<count {
                let text = 0.2 + 0.6 * generator.nextUnitFloat()
                buffer[2 * row] = text
                buffer[2 * row + 1] = 1 - text
            }
        }
        let textAttention = Tensor(shape: [count, 16]) { buffer in
            for index in 0..<(count * 16) { buffer[index] = generator.nextUnitFloat() }
        }
        let imageAttention = Tensor(shape: [count, 49]) { buffer in
            for index in 0..<(count * 49) { buffer[index] = Float(index % 49) / 49 }
        }
        try Safetensors.write(["fused": fused, "modality_weights": weights, "text_attention": textAttention,
                               "image_attention": imageAttention],
                              to: run.appendingPathComponent("intermediates-test.safetensors"))
        return run
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mmfusion-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesAValidPageWithEveryFigure() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try Self.makeRun(in: root)
        let output = root.appendingPathComponent("report")
        let report = try RunReport.write(run: run, to: output, options: RunReport.Options(attentionPosts: 3))
        let html = try String(contentsOf: report.page, encoding: .utf8)
        #expect(HTMLChecker.problems(in: html, directory: output) == [])
        let names = report.figures.map { $0.file.deletingPathExtension().lastPathComponent }
        for expected in ["loss-curves", "metric-curves", "learning-rate", "confusion-matrix", "per-class-f1", "reliability", "tsne",
                         "histogram-modality-weights"] {
            #expect(names.contains(expected), "missing figure \(expected) in \(names)")
        }
        #expect(names.filter { $0.hasPrefix("attention-") }.count == 3)
        for figure in report.figures {
            let svg = try String(contentsOf: figure.file, encoding: .utf8)
            #expect(HTMLChecker.isWellFormedXML(svg), "\(figure.file.lastPathComponent) is not well-formed")
            #expect(html.contains("href=\"figures/\(figure.file.lastPathComponent)\""))
        }
        // The figure files are all the page writes under figures/.
        let written = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("figures").path)
        #expect(Set(written) == Set(report.figures.map(\.file.lastPathComponent)))
        // Metrics, encoders and hashes, configuration.
        #expect(html.contains("0.8000") && html.contains("0.7912") && html.contains("0.7987"))
        #expect(html.contains("53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"))
        #expect(html.contains("all-MiniLM-L6-v2") && html.contains("&quot;learning_rate&quot;"))
        #expect(html.contains("bird &lt;&amp;&gt;") && !html.contains("bird <&>"))
        #expect(report.notes.isEmpty, "notes: \(report.notes)")
    }

    @Test func figuresCarryTheRunsNumbers() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try Self.makeRun(in: root)
        let output = root.appendingPathComponent("report")
        let report = try RunReport.write(run: run, to: output, options: RunReport.Options(attentionPosts: 2))
        func svg(_ name: String) throws -> String {
            let figure = try #require(report.figures.first { $0.file.lastPathComponent == name + ".svg" })
            return try String(contentsOf: figure.file, encoding: .utf8)
        }
        // Confusion matrix: 30 posts, 3 classes, every fifth wrong: row "cat" has 8 right and 2 predicted dog.
        let confusion = try svg("confusion-matrix")
        #expect(confusion.contains("true cat, predicted cat: 8 (80.0% of row)"))
        #expect(confusion.contains("true cat, predicted dog: 2 (20.0% of row)"))
        // Reliability: every test confidence is 0.8 (bin 12 of 15), accuracy 24/30 = 0.8, so ECE 0.
        let reliability = try svg("reliability")
        #expect(reliability.contains("ECE 0.0000") && reliability.contains("30 posts, accuracy 0.800"))
        // Per-class F1 bars carry the metrics.json values.
        #expect(try svg("per-class-f1").contains("dog: 0.8000"))
        // t-SNE: 30 points, one circle each, coloured by the three labels.
        let tsne = try svg("tsne")
        #expect(tsne.components(separatedBy: "<circle").count - 1 == 30)
        for color in ChartPalette.categorical.prefix(3) { #expect(tsne.contains(color)) }
        // Attention: tokens from the MiniLM tokenizer over the post text, the image embedded, a 7×7 grid.
        let attention = try #require(report.figures.first { $0.file.lastPathComponent.hasPrefix("attention-") })
        let attentionSVG = try String(contentsOf: attention.file, encoding: .utf8)
        #expect(attentionSVG.contains(">[CLS]<") && attentionSVG.contains(">photo<") && attentionSVG.contains(">park<"))
        #expect(attentionSVG.contains("href=\"data:image/jpeg;base64,/9j/"))
        #expect(attentionSVG.contains("region (6, 6): ") && !attentionSVG.contains("region (7, 0)"))
        // Calibration table: the temperature stored with the run and one refitted on validation.
        let html = try String(contentsOf: report.page, encoding: .utf8)
        #expect(html.contains("1.2500") && html.contains("temperature refitted on the validation predictions"))
    }

    @Test func aRunWithOnlyItsSidecarStillGetsAPageThatSaysWhatIsMissing() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = root.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: ["format": 1, "model": "concat", "label_names": ["a", "b"]])
            .write(to: run.appendingPathComponent("run.json"))
        let output = root.appendingPathComponent("out")
        let report = try RunReport.write(run: run, to: output)
        #expect(report.figures.isEmpty)
        #expect(report.notes.contains { $0.contains("history.jsonl is missing") })
        #expect(report.notes.contains { $0.contains("intermediates-test.safetensors is missing") })
        let html = try String(contentsOf: report.page, encoding: .utf8)
        #expect(HTMLChecker.problems(in: html, directory: output) == [])
        #expect(throws: ReportError.self) { try RunReport.write(run: root.appendingPathComponent("absent"), to: output) }
        try "{\"epoch\": 1}\nnot json\n".write(to: run.appendingPathComponent("history.jsonl"), atomically: true, encoding: .utf8)
        #expect(throws: ReportError.malformedFile(path: run.appendingPathComponent("history.jsonl").path, line: 2, detail: "not a JSON object")) {
            try RunReport.write(run: run, to: output)
        }
    }

    @Test func comparisonPageShowsMeanAndStdAndKruskalWallis() throws {
        let rows = [
            ComparisonRow(name: "hglnet", metrics: ["accuracy": [0.85, 0.86, 0.84, 0.88, 0.87], "macro_f1": [0.8, 0.82, 0.81, 0.83, 0.84]]),
            ComparisonRow(name: "text-only", metrics: ["accuracy": [0.81, 0.83, 0.79, 0.84, 0.82], "macro_f1": [0.7]]),
            ComparisonRow(name: "image-only <x>", metrics: ["accuracy": [0.80, 0.79, 0.81, 0.78, 0.80]]),
        ]
        let html = ReportPage.comparison(metrics: ["accuracy", "macro_f1"], rows: rows)
        #expect(HTMLChecker.problems(in: html, directory: URL(fileURLWithPath: "/")) == [])
        #expect(html.contains(">86.00 ± 1.58<"))   // mean 0.86, sample std 0.01581
        #expect(html.contains(">81.80 ± 1.92<"))   // mean 0.818, std 0.01924
        #expect(html.contains(">70.00<"))           // one run: no std
        #expect(html.contains("image-only &lt;x&gt;"))
        let kruskal = try KruskalWallis(groups: rows.map { $0.metrics["accuracy"] ?? [] })
        #expect(html.contains(String(format: "H = %.3f, p = %.4g", kruskal.statistic, kruskal.pValue)))
        #expect(html.contains("95% CI ["))
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("compare/index.html")
        try ReportPage.writeComparison(to: url, metrics: ["accuracy"], rows: rows)
        #expect(FileManager.default.fileExists(atPath: url.path))
    }

    @Test func svgWriterEscapesAndRoundsNumbers() {
        #expect(SVGDocument.escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        #expect(SVGDocument.number(3.14159) == "3.14" && SVGDocument.number(2.0) == "2" && SVGDocument.number(.nan) == "0")
        let ticks = ChartFrame.ticks(0...1)
        #expect(ticks.count == 6 && ticks.first == 0 && abs((ticks.last ?? 0) - 1) < 1e-12)
        #expect(ChartFrame.ticks(0...37, target: 5) == [0, 10, 20, 30])
        #expect(ChartPalette.sequential(0) == "#440154" && ChartPalette.sequential(1) == "#fde725")
        let histogram = HistogramChart(title: "h", xLabel: "x", series: [("a", [0, 0.04, 0.5, 1, 1])], binCount: 10)
        #expect(histogram.counts([0, 0.04, 0.5, 1, 1]) == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2])
    }
}
