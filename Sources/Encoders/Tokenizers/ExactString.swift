/// A dictionary key that compares strings by their UTF-8 bytes.
///
/// Swift's `String` equality is canonical equivalence (`"é" == "e\u{301}"`), but vocabularies
/// are byte-exact: a decomposed accent must not find the precomposed entry.
struct ExactString: Hashable, Sendable {
    let text: String

    init(_ text: String) {
        var text = text
        text.makeContiguousUTF8()
        self.text = text
    }

    static func == (left: ExactString, right: ExactString) -> Bool {
        left.text.utf8.elementsEqual(right.text.utf8)
    }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            for byte in text.utf8 { hasher.combine(byte) }
        }
    }
}

extension Dictionary where Key == ExactString {
    /// Byte-exact lookup of `text`.
    @inline(__always)
    subscript(exact text: String) -> Value? { self[ExactString(text)] }
}
