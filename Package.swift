// swift-tools-version:6.0
import PackageDescription

/// Numeric targets keep Swift's checks on (`-O`, not `-Ounchecked`): shape and bounds
/// preconditions must stop a bad call with a message, never read the wrong memory. The
/// hot loops run over unsafe pointers, so the checks cost little there.
let fastMath: [SwiftSetting] = []

let package = Package(
    name: "mmfusion",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mmfusion", targets: ["mmfusion"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "NeuralNetwork", targets: ["NeuralNetwork"]),
        .library(name: "Encoders", targets: ["Encoders"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "FusionModels", targets: ["FusionModels"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Serving", targets: ["Serving"]),
        .library(name: "Distributed", targets: ["Distributed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CImageCodecs", path: "Sources/CImageCodecs"),
        // Open MPI's C API (Debian's libopenmpi-dev), for data-parallel training and sharded extraction.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // SIMD convolution kernels; AVX2/AVX-512 code paths are chosen at run time.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Tensors", dependencies: ["CBLAS", "CKernels"], swiftSettings: fastMath),
        .target(
            name: "CImageSupport",
            dependencies: ["CImageCodecs"],
            linkerSettings: [
                .linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("gif"),
                .linkedLibrary("webp"), .linkedLibrary("webpdemux"),
            ]
        ),
        .target(name: "NeuralNetwork", dependencies: ["Tensors"], swiftSettings: fastMath),
        .target(name: "Encoders", dependencies: ["NeuralNetwork", "CImageCodecs", "CImageSupport"], swiftSettings: fastMath),
        .target(name: "Datasets", dependencies: ["Encoders", "Tensors", "CKernels"], swiftSettings: fastMath),
        .target(name: "FusionModels", dependencies: ["NeuralNetwork"], swiftSettings: fastMath),
        .target(name: "Distributed", dependencies: ["CMPI", "Tensors"]),
        .target(
            name: "Training",
            dependencies: [
                "FusionModels", "Datasets",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: fastMath),
        .target(
            name: "Serving",
            dependencies: [
                "Training", "FusionModels", "Encoders", "Datasets", "Tensors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "mmfusion",
            dependencies: [
                "Tensors", "NeuralNetwork", "Encoders", "Datasets", "FusionModels", "Training", "Serving", "Distributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "NeuralNetworkTests", dependencies: ["NeuralNetwork"]),
        .testTarget(name: "EncodersTests", dependencies: ["Encoders"]),
        .testTarget(name: "FusionModelsTests", dependencies: ["FusionModels"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "Tensors"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training"]),
        .testTarget(
            name: "ServingTests",
            dependencies: ["Serving", "Training", "Datasets", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
