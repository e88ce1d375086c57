/// CLIP's text normalisation, as `CLIPTokenizer` builds it in `tokenizers`:
/// `Sequence([NFC(), Replace(Regex("\s+"), " "), Lowercase()])`.
enum ClipNormalizer {
    static func normalize(_ input: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        let composed = UnicodeClasses.canonicalComposition(Array(input))
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(composed.count)
        var previousWasSpace = false
        for scalar in composed {
            if UnicodeClasses.isRegexSpace(scalar) {
                if !previousWasSpace { output.append(" ") }
                previousWasSpace = true
            } else {
                previousWasSpace = false
                UnicodeClasses.appendLowercase(scalar, to: &output)
            }
        }
        return output
    }
}
