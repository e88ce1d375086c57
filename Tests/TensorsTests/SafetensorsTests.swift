import Foundation
import Testing
@testable import Tensors

/// A fresh empty folder under the system temporary directory.
func makeTemporaryFolder(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("mmfusion-\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Tests/Fixtures/checkpoints/<name>.
func checkpointFixture(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/checkpoints/\(name)")
}

@Suite struct SafetensorsTests {
    /// Values every dtype can hold exactly (booleans get their own).
    static let exactValues: [SafetensorsDType: [Float]] = [
        .f64: [0.1, -3.25, 1e-30, 6.5e20, 0, -0],
        .f32: [0.1, -3.25, 1e-30, 6.5e20, .infinity, -0],
        .f16: [0.5, -2.75, 65504, 6.103515625e-05, -0.0009765625, 1024],
        .bf16: [0.5, -2.75, Float(bitPattern: 0x7F7F_0000), .leastNormalMagnitude, -7.5, 256],
        .i64: [0, -1, 16_777_216, -16_777_216, 1_099_511_627_776, 42],
        .i32: [0, -1, 16_777_216, -2_147_483_648, 1_000_000, 42],
        .i16: [0, -1, 32767, -32768, 1000, 42],
        .i8: [0, -1, 127, -128, 100, 42],
        .u64: [0, 1, 16_777_216, 1_099_511_627_776, 1000, 42],
        .u32: [0, 1, 4_294_967_040, 65536, 1000, 42],
        .u16: [0, 1, 65535, 256, 1000, 42],
        .u8: [0, 1, 255, 128, 100, 42],
        .bool: [0, 1, 1, 0, 0, 1],
    ]

    @Test func roundTripEveryDType() throws {
        let folder = try makeTemporaryFolder("safetensors-roundtrip")
        defer { try? FileManager.default.removeItem(at: folder) }
        for dtype in SafetensorsDType.allCases {
            let values = try #require(Self.exactValues[dtype])
            let matrix = Tensor(shape: [2, 3], scalars: values)
            let vector = Tensor(Array(values.reversed()))
            let url = folder.appendingPathComponent("\(dtype.rawValue).safetensors")
            try Safetensors.write(["b.matrix": matrix, "a.vector": vector], to: url,
                                  metadata: ["dtype": dtype.rawValue, "quote\"d": "line\nbreak"], dtype: dtype)
            let file = try SafetensorsFile(contentsOf: url)
            #expect(file.names == ["a.vector", "b.matrix"])
            #expect(file.metadata == ["dtype": dtype.rawValue, "quote\"d": "line\nbreak"])
            #expect(file.dtype(of: "b.matrix") == dtype)
            #expect(file.shape(of: "b.matrix") == [2, 3])
            #expect(file.shape(of: "a.vector") == [6])
            #expect(file.shape(of: "missing") == nil)
            let readMatrix = try file.tensor("b.matrix")
            #expect(readMatrix.shape == [2, 3])
            #expect(readMatrix.scalars.map(\.bitPattern) == values.map(\.bitPattern), "dtype \(dtype.rawValue)")
            let all = try file.tensors()
            #expect(all.count == 2)
            #expect(all["a.vector"]?.scalars == Array(values.reversed()))
        }
    }

    @Test func halfPrecisionOutputsRoundToNearestEven() throws {
        let folder = try makeTemporaryFolder("safetensors-rounding")
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = RandomGenerator(seed: 7)
        let tensor = Tensor.randn([64], generator: &generator) * 100
        for dtype in [SafetensorsDType.f16, .bf16] {
            let url = folder.appendingPathComponent("\(dtype.rawValue).safetensors")
            try Safetensors.write(["x": tensor], to: url, dtype: dtype)
            let read = try SafetensorsFile(contentsOf: url).tensor("x")
            let expected: [Float] = dtype == .f16
                ? tensor.scalars.map { Float(Float16($0)) }
                : tensor.scalars.map { BFloat16($0).floatValue }
            #expect(read.scalars == expected)
            // Rounding happened: at least one value changed, none by more than half a unit.
            #expect(read.scalars != tensor.scalars)
            let relative: Float = dtype == .f16 ? 1.0 / 2048 : 1.0 / 256
            for (stored, original) in zip(read.scalars, tensor.scalars) {
                #expect(abs(stored - original) <= abs(original) * relative)
            }
        }
    }

    @Test func headerIsPaddedAndDataAligned() throws {
        let folder = try makeTemporaryFolder("safetensors-layout")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("layout.safetensors")
        try Safetensors.write(["weight": Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), "bias": Tensor([5, 6])], to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        #expect(headerLength % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 6 * 4)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{\"bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"))
        // bias (5, 6) first, then weight (1, 2, 3, 4), as little-endian Float32.
        let data = bytes[(8 + headerLength)...]
        let floats = stride(from: data.startIndex, to: data.endIndex, by: 4).map { start in
            Float(bitPattern: data[start..<(start + 4)].enumerated().reduce(UInt32(0)) { $0 | (UInt32($1.element) << (8 * $1.offset)) })
        }
        #expect(floats == [5, 6, 1, 2, 3, 4])
    }

    @Test func perTensorDTypesAreAlignedBySize() throws {
        let folder = try makeTemporaryFolder("safetensors-mixed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("mixed.safetensors")
        let tensors: [String: Tensor] = [
            "features": Tensor(shape: [3], scalars: [0.5, -1.25, 3]),
            "labels": Tensor([2, 0, 1]),
            "mask": Tensor([1, 0, 1]),
            "weights": Tensor([0.1, 0.2]),
        ]
        try Safetensors.write(tensors, to: url, dtype: .f16,
                              dtypeOverrides: ["labels": .i64, "mask": .bool, "weights": .f32])
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.dtype(of: "features") == .f16)
        #expect(file.dtype(of: "labels") == .i64)
        #expect(file.dtype(of: "mask") == .bool)
        #expect(file.dtype(of: "weights") == .f32)
        for (name, tensor) in tensors where name != "weights" {
            #expect(try file.tensor(name).scalars == tensor.scalars, "\(name)")
        }
        #expect(try file.tensor("weights").scalars == [0.1, 0.2])
        // Largest elements first: labels (8 bytes each), weights (4), features (2), mask (1);
        // each starts at a multiple of its element size.
        let entries = file.entries.sorted { $0.value.begin < $1.value.begin }
        #expect(entries.map(\.key) == ["labels", "weights", "features", "mask"])
        for (name, entry) in entries { #expect(entry.begin % entry.dtype.byteSize == 0, "\(name)") }
        #expect(throws: SafetensorsError.invalidName(tensor: "typo",
                                                     detail: "dtypeOverrides names a tensor that is not being written")) {
            try Safetensors.write(tensors, to: url, dtypeOverrides: ["typo": .i64])
        }
    }

    @Test func writeIsAtomicAndReplacesTheOldFile() throws {
        let folder = try makeTemporaryFolder("safetensors-atomic")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("weights.safetensors")
        try Safetensors.write(["x": Tensor([1, 2, 3])], to: url)
        // An opened (mapped) file keeps its contents when the path is replaced.
        let old = try SafetensorsFile(contentsOf: url)
        try Safetensors.write(["y": Tensor([4, 5])], to: url)
        #expect(try old.tensor("x").scalars == [1, 2, 3])
        let new = try SafetensorsFile(contentsOf: url)
        #expect(new.names == ["y"])
        #expect(try new.tensor("y").scalars == [4, 5])
        // A failed write leaves neither a temporary file nor a changed target.
        #expect(throws: SafetensorsError.valueNotRepresentable(tensor: "z", dtype: .i8, value: 300)) {
            try Safetensors.write(["z": Tensor([1, 300])], to: url, dtype: .i8)
        }
        let contents = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(contents == ["weights.safetensors"])
        #expect(try SafetensorsFile(contentsOf: url).tensor("y").scalars == [4, 5])
    }

    @Test func integerOutputsRejectInexactValues() throws {
        let folder = try makeTemporaryFolder("safetensors-inexact")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("x.safetensors")
        #expect(throws: SafetensorsError.valueNotRepresentable(tensor: "x", dtype: .i64, value: 0.5)) {
            try Safetensors.write(["x": Tensor([1, 0.5])], to: url, dtype: .i64)
        }
        #expect(throws: SafetensorsError.valueNotRepresentable(tensor: "x", dtype: .u8, value: -1)) {
            try Safetensors.write(["x": Tensor([1, -1])], to: url, dtype: .u8)
        }
        #expect(throws: SafetensorsError.valueNotRepresentable(tensor: "x", dtype: .bool, value: 2)) {
            try Safetensors.write(["x": Tensor([1, 2])], to: url, dtype: .bool)
        }
        #expect(throws: SafetensorsError.invalidName(tensor: "__metadata__",
                                                     detail: "\"__metadata__\" is reserved for the metadata block")) {
            try Safetensors.write(["__metadata__": Tensor([1])], to: url)
        }
    }

    @Test func emptyAndScalarTensorsRoundTrip() throws {
        let folder = try makeTemporaryFolder("safetensors-empty")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("x.safetensors")
        try Safetensors.write(["empty": Tensor.zeros([0, 4]), "scalar": Tensor(scalar: -1.5)], to: url, dtype: .bf16)
        let file = try SafetensorsFile(contentsOf: url)
        #expect(try file.tensor("empty").shape == [0, 4])
        let scalar = try file.tensor("scalar")
        #expect(scalar.shape == [])
        #expect(scalar.item == -1.5)
        try Safetensors.write([:], to: url)
        #expect(try SafetensorsFile(contentsOf: url).names.isEmpty)
    }

    /// Tests/Fixtures/generate/checkpoints.py writes these with the Python `safetensors`
    /// library; every value must match exactly (each is representable in Float32).
    @Test func readsFilesWrittenByPythonSafetensors() throws {
        let file = try SafetensorsFile(contentsOf: checkpointFixture("python_dtypes.safetensors"))
        let expectedData = try Data(contentsOf: checkpointFixture("python_dtypes.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: expectedData) as? [String: [String: Any]])
        #expect(file.names == expected.keys.sorted())
        #expect(file.metadata == ["format": "pt", "source": "checkpoints.py"])
        var seenDTypes = Set<SafetensorsDType>()
        for (name, entry) in expected {
            let dtypeName = try #require(entry["dtype"] as? String)
            let shape = try #require(entry["shape"] as? [Int])
            let values = try #require(entry["values"] as? [Double]).map(Float.init)
            let dtype = try #require(file.dtype(of: name))
            seenDTypes.insert(dtype)
            #expect(dtype.rawValue == dtypeName)
            #expect(file.shape(of: name) == shape)
            let tensor = try file.tensor(name)
            #expect(tensor.shape == shape, "\(name)")
            #expect(tensor.scalars == values, "\(name)")
        }
        #expect(seenDTypes == [.f32, .f16, .bf16, .f64, .i64, .i32, .i16, .i8, .u8, .bool])
    }
}
