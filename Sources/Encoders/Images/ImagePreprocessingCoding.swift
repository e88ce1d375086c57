/// Reading and writing `ImagePreprocessing` in the Hugging Face
/// `preprocessor_config.json` layout (snake_case keys; see `ImagePreprocessing`).
extension ImagePreprocessing {
    enum CodingKeys: String, CodingKey {
        case resizes = "do_resize", size, resample
        case centerCrops = "do_center_crop", cropSize = "crop_size", cropRounding = "center_crop_rounding"
        case rescales = "do_rescale", rescaleFactor = "rescale_factor"
        case normalizes = "do_normalize", mean = "image_mean", standardDeviation = "image_std"
        case convertsToRGB = "do_convert_rgb"
        case cropFraction = "crop_pct"
    }

    /// Keys of the `size` and `crop_size` objects.
    enum SizeKeys: String, CodingKey {
        case shortestEdge = "shortest_edge", longestEdge = "longest_edge", height, width
    }

    public init(from decoder: Decoder) throws {
        let defaults = ImagePreprocessing.clip
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func invalid(_ detail: String) -> ImagePreprocessingError {
            .invalidConfiguration(file: "preprocessor_config.json", detail: detail)
        }

        resizes = try container.decodeIfPresent(Bool.self, forKey: .resizes) ?? defaults.resizes
        if container.contains(.size), try !container.decodeNil(forKey: .size) {
            if let edge = try? container.decode(Int.self, forKey: .size) {
                size = .shortestEdge(edge)
            } else {
                let object = try container.nestedContainer(keyedBy: SizeKeys.self, forKey: .size)
                if let edge = try object.decodeIfPresent(Int.self, forKey: .shortestEdge) {
                    if object.contains(.longestEdge) {
                        throw invalid("size.longest_edge is not supported; give size.shortest_edge alone or size.height and size.width")
                    }
                    size = .shortestEdge(edge)
                } else if let height = try object.decodeIfPresent(Int.self, forKey: .height),
                          let width = try object.decodeIfPresent(Int.self, forKey: .width) {
                    size = .exact(height: height, width: width)
                } else {
                    throw invalid("size needs shortest_edge, or height and width")
                }
            }
        } else {
            size = defaults.size
        }
        switch size {
        case .shortestEdge(let edge) where edge <= 0:
            throw invalid("size.shortest_edge is \(edge); it must be positive")
        case .exact(let height, let width) where height <= 0 || width <= 0:
            throw invalid("size is \(height)x\(width); both must be positive")
        default:
            break
        }

        if let code = try container.decodeIfPresent(Int.self, forKey: .resample) {
            guard let filter = ResamplingFilter(rawValue: code) else {
                throw invalid("resample is \(code); PIL's filters are 0 (nearest) to 5 (hamming)")
            }
            resample = filter
        } else {
            resample = defaults.resample
        }

        centerCrops = try container.decodeIfPresent(Bool.self, forKey: .centerCrops) ?? defaults.centerCrops
        if container.contains(.cropSize), try !container.decodeNil(forKey: .cropSize) {
            if let edge = try? container.decode(Int.self, forKey: .cropSize) {
                (cropHeight, cropWidth) = (edge, edge)
            } else {
                let object = try container.nestedContainer(keyedBy: SizeKeys.self, forKey: .cropSize)
                guard let height = try object.decodeIfPresent(Int.self, forKey: .height),
                      let width = try object.decodeIfPresent(Int.self, forKey: .width) else {
                    throw invalid("crop_size needs height and width")
                }
                (cropHeight, cropWidth) = (height, width)
            }
        } else {
            (cropHeight, cropWidth) = (defaults.cropHeight, defaults.cropWidth)
        }
        if centerCrops && (cropHeight <= 0 || cropWidth <= 0) {
            throw invalid("crop_size is \(cropHeight)x\(cropWidth); both must be positive")
        }
        cropRounding = try container.decodeIfPresent(CropRounding.self, forKey: .cropRounding) ?? .floor
        if let cropFraction = try container.decodeIfPresent(Double.self, forKey: .cropFraction) {
            // ConvNextImageProcessor (also used by Hugging Face ResNet checkpoints): below 384
            // pixels, resize the shortest edge to int(edge / crop_pct) and crop edge x edge;
            // from 384 up, warp to edge x edge without cropping.
            guard cropFraction > 0, cropFraction <= 1 else {
                throw invalid("crop_pct is \(cropFraction); it must be in (0, 1]")
            }
            guard case .shortestEdge(let edge) = size else {
                throw invalid("crop_pct needs size.shortest_edge")
            }
            if edge < 384 {
                size = .shortestEdge(Int(Double(edge) / cropFraction))
                (centerCrops, cropHeight, cropWidth) = (true, edge, edge)
            } else {
                size = .exact(height: edge, width: edge)
                centerCrops = false
            }
        }

        rescales = try container.decodeIfPresent(Bool.self, forKey: .rescales) ?? defaults.rescales
        rescaleFactor = try container.decodeIfPresent(Double.self, forKey: .rescaleFactor) ?? defaults.rescaleFactor
        normalizes = try container.decodeIfPresent(Bool.self, forKey: .normalizes) ?? defaults.normalizes
        mean = try Self.decodeChannels(container, .mean) ?? defaults.mean
        standardDeviation = try Self.decodeChannels(container, .standardDeviation) ?? defaults.standardDeviation
        guard mean.count == 3, standardDeviation.count == 3 else {
            throw invalid("image_mean and image_std need 3 values (R, G, B), got \(mean.count) and \(standardDeviation.count)")
        }
        if normalizes && standardDeviation.contains(0) {
            throw invalid("image_std contains 0")
        }
        convertsToRGB = try container.decodeIfPresent(Bool.self, forKey: .convertsToRGB) ?? defaults.convertsToRGB
    }

    /// A list of floats, or one float for all three channels.
    static func decodeChannels(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [Float]? {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
        if let single = try? container.decode(Float.self, forKey: key) { return [single, single, single] }
        return try container.decode([Float].self, forKey: key)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(resizes, forKey: .resizes)
        var sizeObject = container.nestedContainer(keyedBy: SizeKeys.self, forKey: .size)
        switch size {
        case .shortestEdge(let edge):
            try sizeObject.encode(edge, forKey: .shortestEdge)
        case .exact(let height, let width):
            try sizeObject.encode(height, forKey: .height)
            try sizeObject.encode(width, forKey: .width)
        }
        try container.encode(resample.rawValue, forKey: .resample)
        try container.encode(centerCrops, forKey: .centerCrops)
        var cropObject = container.nestedContainer(keyedBy: SizeKeys.self, forKey: .cropSize)
        try cropObject.encode(cropHeight, forKey: .height)
        try cropObject.encode(cropWidth, forKey: .width)
        try container.encode(cropRounding, forKey: .cropRounding)
        try container.encode(rescales, forKey: .rescales)
        try container.encode(rescaleFactor, forKey: .rescaleFactor)
        try container.encode(normalizes, forKey: .normalizes)
        try container.encode(mean, forKey: .mean)
        try container.encode(standardDeviation, forKey: .standardDeviation)
        try container.encode(convertsToRGB, forKey: .convertsToRGB)
    }
}
