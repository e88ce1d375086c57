import Foundation
import Tensors

/// Builds the sections of `RunReport` one by one.
struct RunReportBuilder {
    let run: ReportRunDirectory
    let output: URL
    let options: RunReport.Options
    var page: HTMLPage
    var figures: [RunReport.Figure] = []
    var notes: [String]

    init(run: ReportRunDirectory, output: URL, options: RunReport.Options) {
        self.run = run
        self.output = output
        self.options = options
        page = HTMLPage(title: "mmfusion report: \(run.model)")
        notes = run.notes
    }

    mutating func build() throws -> RunReport {
        summarySection()
        try curvesSection()
        try classesSection()
        try calibrationSection()
        try embeddingSection()
        try gatesSection()
        try attentionSection()
        configurationSection()
        if !notes.isEmpty {
            page.heading("Notes", id: "notes")
            for note in notes { page.paragraph(note, className: "note") }
        }
        page.heading("Figures written", id: "files")
        var list = "<ul>\n"
        for figure in figures {
            let relative = "figures/" + figure.file.lastPathComponent
            list += "<li><a href=\"\(HTMLPage.escape(relative))\">\(HTMLPage.escape(relative))</a>: \(HTMLPage.escape(figure.caption))</li>\n"
        }
        page.raw(list + "</ul>")
        let pageURL = output.appendingPathComponent("index.html")
        try RunReport.write(Data(page.render().utf8), to: pageURL)
        return RunReport(page: pageURL, figures: figures, notes: notes)
    }

    /// Writes `svg` as `figures/<name>.svg` and puts it on the page.
    mutating func addFigure(_ svg: String, name: String, caption: String) throws {
        let file = output.appendingPathComponent("figures").appendingPathComponent(name + ".svg")
        try RunReport.write(Data(svg.utf8), to: file)
        figures.append(RunReport.Figure(file: file, caption: caption))
        page.figure(svg: svg, caption: caption, file: "figures/" + name + ".svg")
    }

    static func format(_ value: Double?, digits: Int = 4) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    // MARK: - Sections

    mutating func summarySection() {
        let sidecar = run.sidecar
        page.heading("Run report: \(run.model)", level: 1)
        page.paragraph("Run directory: \(run.directory.path)", className: "muted")
        page.raw("<nav><a href=\"#metrics\">metrics</a><a href=\"#curves\">curves</a><a href=\"#classes\">classes</a><a href=\"#calibration\">calibration</a><a href=\"#embedding\">t-SNE</a><a href=\"#gates\">gates</a><a href=\"#attention\">attention</a><a href=\"#configuration\">configuration</a><a href=\"#files\">files</a></nav>")
        var rows: [[String]] = [["model", run.model]]
        if let created = sidecar["created"] as? String { rows.append(["created", created]) }
        if let seed = sidecar["seed"] as? NSNumber { rows.append(["seed", seed.stringValue]) }
        if let ablations = sidecar["ablations"] as? [String] { rows.append(["ablations", ablations.isEmpty ? "none" : ablations.joined(separator: ", ")]) }
        if let epoch = sidecar["best_epoch"] as? NSNumber { rows.append(["best epoch", epoch.stringValue]) }
        if let features = sidecar["features"] as? [String] { rows.append(["features", features.joined(separator: ", ")]) }
        if let store = sidecar["feature_store"] as? String { rows.append(["feature store", store]) }
        rows.append(["classes", run.labelNames.joined(separator: ", ")])
        page.table(header: [], rows: rows, numericFrom: 9)
        page.heading("Test metrics", id: "metrics")
        guard let metrics = run.metrics else {
            page.paragraph("No metrics: metrics.json is missing.", className: "note")
            return
        }
        var metricRows: [[String]] = []
        for (key, name) in [("accuracy", "accuracy"), ("macro_f1", "macro F1"), ("weighted_f1", "weighted F1"), ("auc", "AUC (binary)")] {
            if let value = ReportRunDirectory.double(metrics[key]) { metricRows.append([name, Self.format(value)]) }
        }
        if !run.testPredictions.isEmpty { metricRows.append(["test posts", String(run.testPredictions.count)]) }
        page.table(header: ["metric", "value"], rows: metricRows)
        let perClass = run.perClass
        if !perClass.isEmpty {
            page.table(header: ["class", "precision", "recall", "F1", "support"],
                       rows: perClass.map { [$0.label, Self.format($0.precision), Self.format($0.recall), Self.format($0.f1), String($0.support)] })
        }
    }

    mutating func curvesSection() throws {
        page.heading("Training curves", id: "curves")
        guard !run.history.isEmpty else {
            page.paragraph("No curves: history.jsonl is missing or empty.", className: "note")
            return
        }
        func series(_ key: String, _ name: String) -> LineChart.Series? {
            let points = run.history.compactMap { entry -> (x: Double, y: Double)? in
                guard let epoch = ReportRunDirectory.double(entry["epoch"]), let value = ReportRunDirectory.double(entry[key]) else { return nil }
                return (epoch, value)
            }
            return points.isEmpty ? nil : LineChart.Series(name: name, points: points)
        }
        let losses = [series("train_loss", "train loss"), series("val_loss", "validation loss")].compactMap { $0 }
        if !losses.isEmpty {
            try addFigure(LineChart(title: "Loss per epoch", xLabel: "epoch", yLabel: "loss", series: losses).svg(),
                          name: "loss-curves", caption: "Training and validation loss per epoch (history.jsonl).")
        }
        let scores = [series("val_accuracy", "validation accuracy"), series("val_macro_f1", "validation macro F1")].compactMap { $0 }
        if !scores.isEmpty {
            try addFigure(LineChart(title: "Validation metrics per epoch", xLabel: "epoch", yLabel: "score", series: scores).svg(),
                          name: "metric-curves", caption: "Validation accuracy and macro F1 per epoch; model selection uses these.")
        }
        if let rates = series("learning_rate", "learning rate") {
            try addFigure(LineChart(title: "Learning rate", xLabel: "epoch", yLabel: "learning rate", series: [rates]).svg(),
                          name: "learning-rate", caption: "Learning rate at the end of each epoch.")
        }
    }

    mutating func classesSection() throws {
        page.heading("Classes", id: "classes")
        if let matrix = run.confusionMatrix, matrix.count == run.labelNames.count, !matrix.isEmpty {
            try addFigure(ConfusionMatrixChart(labels: run.labelNames, counts: matrix).svg(), name: "confusion-matrix",
                          caption: "Confusion matrix on the test split: rows true labels, columns predictions; colour is the share of the row.")
        } else {
            page.paragraph("No confusion matrix: neither metrics.json nor the test predictions give one for the run's labels.", className: "note")
        }
        let perClass = run.perClass
        if !perClass.isEmpty {
            try addFigure(BarChart(title: "F1 per class (test)", yLabel: "F1", categories: perClass.map(\.label), values: perClass.map(\.f1)).svg(),
                          name: "per-class-f1", caption: "F1 of each class on the test split.")
        }
    }

    mutating func calibrationSection() throws {
        page.heading("Calibration", id: "calibration")
        let labelled = run.testPredictions.filter { $0.label != nil && !$0.probabilities.isEmpty }
        guard !labelled.isEmpty else {
            page.paragraph("No calibration: predictions-test.jsonl is missing or has no labelled rows with probabilities.", className: "note")
            return
        }
        let diagram = ReliabilityDiagram(probabilities: labelled.map(\.probabilities), labels: labelled.map { $0.label ?? 0 })
        try addFigure(ReliabilityChart(title: "Reliability diagram (test)", diagram: diagram).svg(), name: "reliability",
                      caption: "Accuracy per confidence bin (15 equal-width bins) against the diagonal of perfect calibration; shaded: the gap to the bin's mean confidence.")
        var rows = [["expected calibration error (test, 15 bins)", Self.format(diagram.expectedCalibrationError)],
                    ["maximum calibration error (test)", Self.format(diagram.maximumCalibrationError)]]
        if let temperature = ReportRunDirectory.double(run.sidecar["temperature"]) {
            rows.append(["temperature stored with the run", Self.format(temperature)])
        }
        let validation = run.validationPredictions.filter { $0.label != nil && !$0.probabilities.isEmpty }
        if !validation.isEmpty {
            // log p are the logits up to a per-row constant, which softmax ignores.
            let logits = validation.map { $0.probabilities.map { log(max($0, 1e-45)) } }
            let temperature = TemperatureScaling.fit(logits: logits, labels: validation.map { $0.label ?? 0 })
            let rescaled = labelled.map { prediction in
                TemperatureScaling.probabilities(logits: prediction.probabilities.map { log(max($0, 1e-45)) }, temperature: temperature)
            }
            let after = ReliabilityDiagram(probabilities: rescaled, labels: labelled.map { $0.label ?? 0 })
            rows.append(["temperature refitted on the validation predictions", Self.format(temperature)])
            rows.append(["expected calibration error (test) after that temperature", Self.format(after.expectedCalibrationError)])
        }
        page.table(header: ["statistic", "value"], rows: rows)
    }

    mutating func embeddingSection() throws {
        page.heading("Fused representations (t-SNE)", id: "embedding")
        guard let fused = run.intermediates["fused"], fused.rank == 2, fused.shape[0] >= 5 else {
            page.paragraph("No t-SNE: intermediates-test.safetensors has no 'fused' tensor [N, d] with at least 5 rows.", className: "note")
            return
        }
        let rows = fused.shape[0]
        var chosen = Array(0..<rows)
        if rows > options.tsnePointLimit {
            var generator = RandomGenerator(seed: options.seed)
            chosen = Array(generator.permutation(rows).prefix(options.tsnePointLimit)).sorted()
        }
        let points = chosen.count == rows ? fused : fused.indexSelect(axis: 0, chosen)
        let aligned = run.testPredictions.count == rows
        let labels: [Int?] = chosen.map { aligned ? run.testPredictions[$0].label : nil }
        let embedding = TSNE(seed: options.seed).embed(points)
        let caption = "t-SNE (perplexity 30, seed \(options.seed)) of the fused representation of \(chosen.count) test posts\(chosen.count < rows ? " (random subset of \(rows))" : ""), coloured by true label."
        try addFigure(ScatterChart(title: "t-SNE of fused representations (test)", points: embedding, labels: labels,
                                   labelNames: run.labelNames).svg(), name: "tsne", caption: caption)
        if !aligned { notes.append("predictions-test.jsonl is not row-aligned with intermediates-test.safetensors: t-SNE points are not coloured.") }
    }

    static func isAttention(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.contains("attention") || lower.contains("attn")
    }

    mutating func gatesSection() throws {
        page.heading("Gates and modality weights", id: "gates")
        let names = run.intermediates.keys.sorted().filter { $0 != "fused" && !Self.isAttention($0) }
        if names.isEmpty {
            page.paragraph("This model reports no gates or modality weights.", className: "muted")
            return
        }
        for name in names {
            guard let tensor = run.intermediates[name], tensor.rank >= 1, tensor.shape[0] > 0 else { continue }
            let values = tensor.scalars.map(Double.init)
            let columns = tensor.rank == 2 ? tensor.shape[1] : 1
            var series: [(name: String, values: [Double])] = []
            if tensor.rank == 2 && columns <= 4 {
                let columnNames = columns == 2 && (name.contains("modality") || name.contains("weight")) ? ["text", "image"]
                    : (0..<columns).map { "\(name)[\($0)]" }
                for column in 0..<columns {
                    series.append((columnNames[column], stride(from: column, to: values.count, by: columns).map { values[$0] }))
                }
            } else {
                series.append((name, Array(values.prefix(200_000))))
            }
            let safeName = name.map { $0.isLetter || $0.isNumber ? $0 : "-" }
            try addFigure(HistogramChart(title: "Distribution of \(name) (test)", xLabel: name, series: series).svg(),
                          name: "histogram-" + String(safeName), caption: "Histogram of '\(name)' over the test posts (shape \(tensor.shape)).")
        }
    }

    /// Per-sample weights [N, L] from an attention tensor: rank 2 as is, rank 3 and 4
    /// averaged over the middle axes (heads, queries), except an image grid [N, H, W].
    static func attentionRows(_ tensor: Tensor, imageGrid: Bool) -> (weights: [[Double]], rows: Int, columns: Int)? {
        let shape = tensor.shape
        guard shape.count >= 2, shape[0] > 0 else { return nil }
        let scalars = tensor.scalars.map(Double.init)
        let count = shape[0]
        let last = shape[shape.count - 1]
        if imageGrid && shape.count == 3 {
            let size = shape[1] * shape[2]
            return ((0..<count).map { Array(scalars[($0 * size)..<(($0 + 1) * size)]) }, shape[1], shape[2])
        }
        let perSample = scalars.count / count
        let groups = perSample / last
        let weights = (0..<count).map { sample -> [Double] in
            var row = [Double](repeating: 0, count: last)
            for group in 0..<groups {
                for position in 0..<last { row[position] += scalars[sample * perSample + group * last + position] / Double(groups) }
            }
            return row
        }
        let side = Int(Double(last).squareRoot().rounded())
        return (weights, imageGrid && side * side == last ? side : 1, imageGrid && side * side == last ? side : last)
    }

    mutating func attentionSection() throws {
        page.heading("Attention over text tokens and image regions", id: "attention")
        let names = run.intermediates.keys.sorted().filter(Self.isAttention)
        guard !names.isEmpty else {
            page.paragraph("This model reports no attention maps.", className: "muted")
            return
        }
        let predictions = run.testPredictions
        let rowCount = run.intermediates[names[0]]?.shape.first ?? 0
        guard predictions.count == rowCount, rowCount > 0 else {
            page.paragraph("No attention figures: predictions-test.jsonl is not row-aligned with the attention maps.", className: "note")
            return
        }
        // A few posts: correct ones first, then mistakes, in test order.
        let correct = predictions.indices.filter { predictions[$0].label == predictions[$0].predicted }
        let wrong = predictions.indices.filter { predictions[$0].label != nil && predictions[$0].label != predictions[$0].predicted }
        let half = max(options.attentionPosts / 2, 1)
        var selected = Array(correct.prefix(half)) + Array(wrong.prefix(options.attentionPosts - min(half, correct.count)))
        if selected.count < options.attentionPosts {
            selected += predictions.indices.filter { !selected.contains($0) }.prefix(options.attentionPosts - selected.count)
        }
        let posts = ReportPosts(sidecar: run.sidecar, dataset: options.dataset, ids: Set(selected.map { predictions[$0].id }))
        notes += posts.notes
        let textNames = names.filter { name in
            let lower = name.lowercased()
            return !(lower.contains("image") || lower.contains("region") || lower.contains("visual"))
        }
        let imageNames = names.filter { !textNames.contains($0) }
        for row in selected {
            let prediction = predictions[row]
            let entry = posts.entries[prediction.id]
            var figure = AttentionFigure(title: "")
            let labelName = prediction.label.flatMap { $0 < run.labelNames.count ? run.labelNames[$0] : nil } ?? "unlabelled"
            let predictedName = prediction.predicted < run.labelNames.count ? run.labelNames[prediction.predicted] : "class \(prediction.predicted)"
            figure.title = "post \(prediction.id): label \(labelName), predicted \(predictedName)"
            var used: [String] = []
            if let name = textNames.first, let tensor = run.intermediates[name],
               let attention = Self.attentionRows(tensor, imageGrid: false) {
                var weights = attention.weights[row]
                var tokens = entry?.tokens ?? weights.indices.map { "#\($0 + 1)" }
                let length = min(weights.count, tokens.count, 96)
                weights = Array(weights.prefix(length))
                tokens = Array(tokens.prefix(length))
                figure.tokens = tokens
                figure.tokenWeights = weights
                used.append(name)
            }
            if let name = imageNames.first, let tensor = run.intermediates[name],
               let attention = Self.attentionRows(tensor, imageGrid: true) {
                figure.regionWeights = attention.weights[row]
                figure.gridRows = attention.rows
                figure.gridColumns = attention.columns
                figure.imageDataURI = entry?.imagePath.flatMap(ReportPosts.dataURI(forImageAt:))
                used.append(name)
            }
            let safeId = String(prediction.id.map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
            var caption = "Attention for test post \(prediction.id) (\(used.joined(separator: ", ")))"
            if let text = entry?.text { caption += ": “\(text.prefix(200))”" }
            try addFigure(figure.svg(), name: "attention-\(row)-\(safeId)", caption: caption)
        }
    }

    mutating func configurationSection() {
        page.heading("Configuration, encoders and hashes", id: "configuration")
        if let encoders = run.sidecar["encoders"] {
            var rows: [[String]] = []
            Self.flatten(encoders, prefix: "", into: &rows)
            page.heading("Encoders", level: 3)
            page.table(header: ["key", "value"], rows: rows, numericFrom: 9)
        } else {
            page.paragraph("run.json names no encoders.", className: "note")
        }
        if let hyperparameters = run.sidecar["hyperparameters"] {
            page.heading("Hyperparameters", level: 3)
            page.preformatted(Self.prettyJSON(hyperparameters))
        }
        if let configuration = run.sidecar["configuration"] {
            page.heading("Model configuration (run.json)", level: 3)
            page.preformatted(Self.prettyJSON(configuration))
        }
        if let configuration = run.configuration {
            page.heading("Resolved training configuration (config.json)", level: 3)
            page.preformatted(Self.prettyJSON(configuration))
        }
    }

    static func flatten(_ value: Any, prefix: String, into rows: inout [[String]]) {
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() {
                if let child = object[key] { flatten(child, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &rows) }
            }
        } else if let list = value as? [Any] {
            if list.allSatisfy({ !($0 is [String: Any]) && !($0 is [Any]) }) {
                rows.append([prefix, list.map { "\($0)" }.joined(separator: ", ")])
            } else {
                for (index, item) in list.enumerated() { flatten(item, prefix: "\(prefix)[\(index)]", into: &rows) }
            }
        } else if let number = value as? NSNumber {
            rows.append([prefix, number.stringValue])
        } else if value is NSNull {
            rows.append([prefix, "null"])
        } else {
            rows.append([prefix, "\(value)"])
        }
    }

    static func prettyJSON(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject(value),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys]) else {
            return "\(value)"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
