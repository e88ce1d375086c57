/// Why a preprocessing configuration or batch was refused.
public enum ImagePreprocessingError: Error, Equatable, CustomStringConvertible {
    /// A `preprocessor_config.json` that cannot be used: the file and what is wrong.
    case invalidConfiguration(file: String, detail: String)
    /// A batch whose image `index` comes out `width` x `height` instead of the first image's size.
    case mismatchedSizes(index: Int, width: Int, height: Int, expectedWidth: Int, expectedHeight: Int)
    /// A batch of no images.
    case emptyBatch

    public var description: String {
        switch self {
        case .invalidConfiguration(let file, let detail):
            return "\(file): invalid image preprocessing configuration: \(detail)"
        case .mismatchedSizes(let index, let width, let height, let expectedWidth, let expectedHeight):
            return "image \(index) preprocesses to \(width)x\(height), the batch's first image to "
                + "\(expectedWidth)x\(expectedHeight); enable center cropping or an exact resize size to batch images of different shapes"
        case .emptyBatch:
            return "cannot preprocess an empty batch of images"
        }
    }
}
