import Datasets
import Foundation
import Training

/// The one place the commands read cached features from a `--features` directory: the
/// table and the encoders it was extracted with (copied into `run.json`).
///
/// A feature store (`manifest.json` + shards, written by `mmfusion extract`) is read with
/// `FeatureStore`, its encoders copied from the manifest's `encoders`; a directory in the
/// `FeatureTableExport` layout (`features.safetensors` + `table.json`) is read as such.
func loadFeatures(at url: URL) throws -> (table: FeatureTable, encoders: JSONValue) {
    let manifestURL = url.appendingPathComponent("manifest.json")
    guard FileManager.default.fileExists(atPath: manifestURL.path) else {
        return try FeatureTableExport.read(at: url)
    }
    let store = try FeatureStore.open(at: url)
    var encoders = JSONValue.null
    if let data = try? Data(contentsOf: manifestURL), case let .object(manifest)? = try? JSONValue.parse(data) {
        encoders = manifest["encoders"] ?? .null
    }
    return (try store.table(), encoders)
}
