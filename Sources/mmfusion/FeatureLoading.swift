import Datasets
import Foundation
import Training

/// The one place the commands read cached features from a `--features` directory: the
/// table and the encoders it was extracted with (copied into `run.json`).
///
/// It reads the `FeatureTableExport` layout (`features.safetensors` + `table.json`).
func loadFeatures(at url: URL) throws -> (table: FeatureTable, encoders: JSONValue) {
    try FeatureTableExport.read(at: url)
}
