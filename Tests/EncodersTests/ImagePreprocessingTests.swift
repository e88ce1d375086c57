import Foundation
import Testing
import Tensors
@testable import Encoders

/// Preprocessed tensors against the references of Tests/Fixtures/generate/images.py:
/// torchvision's ImageNet transform and transformers' CLIPImageProcessorPil. The bar is a
/// mean absolute difference under 1/255; sources decoded losslessly must also match to
/// 1e-5 everywhere (the resize reproduces Pillow's bytes, so only float rounding remains),
/// JPEG sources to 0.04 (two levels of decoder drift). Measured here: 0 everywhere.
@Suite struct ImagePreprocessingTests {
    static func configuration(_ fixture: ImageFixtures.PreprocessCase) throws -> ImagePreprocessing {
        switch fixture.configuration {
        case .preset("imagenet"): return .imagenet
        case .preset("clip"): return .clip
        case .preset(let other): throw ImagePreprocessingError.invalidConfiguration(file: fixture.name, detail: "preset \(other)")
        case .json(let data): return try JSONDecoder().decode(ImagePreprocessing.self, from: data)
        }
    }

    @Test(arguments: ImageFixtures.index.preprocess)
    func tensorsMatchReference(_ fixture: ImageFixtures.PreprocessCase) throws {
        let image = try ImageDecoder().decode(contentsOf: ImageFixtures.url(fixture.image))
        let tensor = try Self.configuration(fixture)(image)
        #expect(tensor.shape == fixture.shape)
        let reference = try ImageFixtures.floats(fixture.reference)
        try #require(tensor.count == reference.count)
        let ours = tensor.scalars
        var largest: Float = 0
        var total: Double = 0
        for (a, b) in zip(ours, reference) {
            largest = max(largest, abs(a - b))
            total += Double(abs(a - b))
        }
        let mean = total / Double(reference.count)
        print("\(fixture.name): mean |difference| \(mean), max \(largest)")
        #expect(mean < 1.0 / 255.0, "\(fixture.name): mean difference \(mean)")
        // JPEG sources may differ by 2 levels (see ImageDecoderTests): 2 / 255 / 0.2 < 0.04.
        let bound: Float = fixture.image.hasSuffix(".jpg") ? 0.04 : 1e-5
        #expect(largest < bound, "\(fixture.name): max difference \(largest)")
    }

    @Test func presetsHaveTheirPipelines() {
        #expect(ImagePreprocessing.imagenet.size == .shortestEdge(256))
        #expect(ImagePreprocessing.imagenet.resample == .bilinear)
        #expect(ImagePreprocessing.imagenet.cropRounding == .halfToEven)
        #expect(ImagePreprocessing.clip.size == .shortestEdge(224))
        #expect(ImagePreprocessing.clip.resample == .bicubic)
        #expect(ImagePreprocessing.clip.outputSize(width: 500, height: 375) == (224, 224))
        #expect(ImagePreprocessing.imagenet.resizedSize(width: 500, height: 375) == (341, 256))
        #expect(ImagePreprocessing.imagenet.resizedSize(width: 33, height: 65) == (256, 504))
    }

    @Test func cropOffsetsRoundLikeTheirLibraries() {
        let torchvision = ImagePreprocessing.imagenet
        let huggingFace = ImagePreprocessing.clip
        // (extent - crop) / 2 = 7.5 and 8.5: Python's round goes to the even neighbour.
        #expect(torchvision.cropOffset(15) == 8)
        #expect(torchvision.cropOffset(17) == 8)
        #expect(huggingFace.cropOffset(15) == 7)
        #expect(huggingFace.cropOffset(17) == 8)
        // Padding: torchvision puts floor(d / 2) before the image, Hugging Face ceil(d / 2).
        #expect(torchvision.cropOffset(-13) == -6)
        #expect(huggingFace.cropOffset(-13) == -7)
    }

    @Test func readsHuggingFacePreprocessorConfig() throws {
        // openai/clip-vit-base-patch32's preprocessor_config.json.
        let json = """
        {
          "crop_size": 224, "do_center_crop": true, "do_normalize": true, "do_resize": true,
          "feature_extractor_type": "CLIPFeatureExtractor",
          "image_mean": [0.48145466, 0.4578275, 0.40821073],
          "image_std": [0.26862954, 0.26130258, 0.27577711],
          "resample": 3, "size": 224
        }
        """
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mmfusion-image-preprocessing-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("preprocessor_config.json")
        try Data(json.utf8).write(to: url)
        let configuration = try ImagePreprocessing(contentsOf: url)
        #expect(configuration == .clip)

        let exact = try JSONDecoder().decode(ImagePreprocessing.self, from: Data("""
        {"size": {"height": 384, "width": 384}, "do_center_crop": false, "resample": 2,
         "image_mean": 0.5, "image_std": 0.5, "do_rescale": true, "rescale_factor": 0.00392156862745098}
        """.utf8))
        #expect(exact.size == .exact(height: 384, width: 384))
        #expect(exact.outputSize(width: 500, height: 375) == (384, 384))
        #expect(exact.mean == [0.5, 0.5, 0.5])
        #expect(exact.resample == .bilinear)

        // microsoft/resnet-50 (ConvNextImageProcessor with crop_pct): 256 bicubic, crop 224.
        let resnet = try JSONDecoder().decode(ImagePreprocessing.self, from: Data("""
        {"crop_pct": 0.875, "do_normalize": true, "do_resize": true,
         "feature_extractor_type": "ConvNextFeatureExtractor", "image_mean": [0.485, 0.456, 0.406],
         "image_std": [0.229, 0.224, 0.225], "resample": 3, "size": 224}
        """.utf8))
        #expect(resnet.size == .shortestEdge(256))
        #expect(resnet.centerCrops && resnet.cropHeight == 224 && resnet.cropWidth == 224)
        #expect(resnet.resample == .bicubic)
        #expect(resnet.mean == ImagePreprocessing.imagenet.mean)
        let warped = try JSONDecoder().decode(ImagePreprocessing.self, from: Data("""
        {"crop_pct": 0.875, "size": {"shortest_edge": 384}}
        """.utf8))
        #expect(warped.size == .exact(height: 384, width: 384))
        #expect(!warped.centerCrops)
        #expect(warped.outputSize(width: 500, height: 375) == (384, 384))

        let roundTrip = try JSONDecoder().decode(ImagePreprocessing.self, from: JSONEncoder().encode(ImagePreprocessing.imagenet))
        #expect(roundTrip == .imagenet)
    }

    @Test func invalidConfigurationsNameFileAndKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mmfusion-image-config-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (json, expected) in [
            (#"{"resample": 9}"#, "resample is 9"),
            (#"{"size": {"shortest_edge": 0}}"#, "size.shortest_edge is 0"),
            (#"{"image_mean": [0.5, 0.5]}"#, "need 3 values"),
            (#"{"image_std": [0.5, 0, 0.5]}"#, "image_std contains 0"),
            (#"{"size": {"longest_edge": 1333}}"#, "size needs shortest_edge"),
            (#"{"do_resize": "yes"}"#, "do_resize"),
            (#"{"crop_pct": 1.5}"#, "crop_pct is 1.5"),
        ] {
            let url = directory.appendingPathComponent("preprocessor_config.json")
            try Data(json.utf8).write(to: url)
            do {
                _ = try ImagePreprocessing(contentsOf: url)
                Issue.record("\(json) was accepted")
            } catch let error as ImagePreprocessingError {
                #expect(error.description.hasPrefix(url.path + ": invalid image preprocessing configuration"))
                #expect(error.description.contains(expected), "\(error.description)")
            }
        }
    }

    @Test func batchesStackSingleImages() throws {
        let decoder = ImageDecoder()
        let images = try ["jpeg_baseline_61x47.jpg", "png_gray_33x65.png", "gif_transparent_33x65.gif"].map {
            try decoder.decode(contentsOf: ImageFixtures.url($0))
        }
        let batch = try ImagePreprocessing.clip(images)
        #expect(batch.shape == [3, 3, 224, 224])
        let scalars = batch.scalars
        for (index, image) in images.enumerated() {
            let single = ImagePreprocessing.clip(image).scalars
            #expect(Array(scalars[(index * single.count)..<((index + 1) * single.count)]) == single)
        }

        var uncropped = ImagePreprocessing.clip
        uncropped.centerCrops = false
        #expect(throws: ImagePreprocessingError.mismatchedSizes(index: 1, width: 224, height: 441, expectedWidth: 290, expectedHeight: 224)) {
            try uncropped(images)
        }
        #expect(throws: ImagePreprocessingError.emptyBatch) { try ImagePreprocessing.clip([]) }
    }

    /// Identity resize and crop: the tensor is just the rescaled, normalised bytes.
    @Test func identityPipelineOnlyNormalizes() {
        let image = RGBImage(width: 2, height: 1, pixels: [0, 51, 102, 255, 204, 153])
        let pipeline = ImagePreprocessing(
            size: .exact(height: 1, width: 2), resample: .bicubic, cropHeight: 1, cropWidth: 2,
            mean: [0.5, 0.5, 0.5], standardDeviation: [0.5, 0.25, 0.5])
        let tensor = pipeline(image)
        #expect(tensor.shape == [3, 1, 2])
        let expected: [Float] = [-1, 1, (0.2 - 0.5) / 0.25, (0.8 - 0.5) / 0.25, (0.4 - 0.5) / 0.5, (0.6 - 0.5) / 0.5]
        for (a, b) in zip(tensor.scalars, expected) { #expect(abs(a - b) < 1e-6) }
    }
}
