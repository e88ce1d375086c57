import Datasets
import FusionModels

extension FeatureTable {
    /// The `ModelInputs` batch of `rows`, holding only the features in `names`.
    /// - Throws: `FusionModelError.missingFeature` when the table lacks one of them.
    func batch(_ rows: [Int], features names: [String]) throws -> ModelInputs {
        var selected: [String: Tensor] = [:]
        for name in names {
            guard let tensor = features[name] else {
                throw FusionModelError.missingFeature(name: name, available: features.keys.sorted())
            }
            selected[name] = tensor.indexSelect(axis: 0, rows)
        }
        return try ModelInputs(
            features: selected, textPresent: rows.map { textPresent[$0] }, imagePresent: rows.map { imagePresent[$0] })
    }

    /// The rows of `split` that carry a label, in table order.
    public func labelledRows(in split: SplitName) -> [Int] {
        indices(in: split).filter { labels[$0] != nil }
    }
}
