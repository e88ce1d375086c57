import Foundation

/// Tab- and comma-separated files: header lookup and field splitting.
enum DelimitedText {
    /// Splits one TSV line (no quoting: MediaEval and Fakeddit write raw tabs).
    static func tabFields(_ line: String) -> [String] {
        line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    }

    /// RFC 4180 records: fields separated by `,`, `"`-quoted fields may hold commas, newlines
    /// and `""`. Returns each record with the 1-based line it starts on, or throws on an
    /// unterminated quote.
    static func csvRecords(_ text: String) -> (records: [(line: Int, fields: [String])], unterminatedAt: Int?) {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var afterQuote = false
        var iterator = Array(text.unicodeScalars)
        if iterator.first == "\u{FEFF}" { iterator.removeFirst() }
        var index = 0
        var recordHasContent = false
        while index < iterator.count {
            let scalar = iterator[index]
            if inQuotes {
                if scalar == "\"" {
                    if index + 1 < iterator.count && iterator[index + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
            } else if scalar == "\"" && field.isEmpty && !afterQuote {
                inQuotes = true
                recordHasContent = true
            } else if scalar == "," {
                fields.append(field)
                field = ""
                afterQuote = false
                recordHasContent = true
            } else if scalar == "\n" || scalar == "\r" {
                if scalar == "\r" && index + 1 < iterator.count && iterator[index + 1] == "\n" { index += 1 }
                if recordHasContent || !field.isEmpty {
                    fields.append(field)
                    records.append((recordLine, fields))
                }
                fields = []
                field = ""
                afterQuote = false
                recordHasContent = false
                line += 1
                recordLine = line
            } else {
                field.unicodeScalars.append(scalar)
                recordHasContent = true
            }
            index += 1
        }
        if inQuotes { return (records, recordLine) }
        if recordHasContent || !field.isEmpty {
            fields.append(field)
            records.append((recordLine, fields))
        }
        return (records, nil)
    }
}
