// swift-tools-version:6.1
import Foundation
import PackageDescription

/// The CPU the Swift code is compiled for: a portable baseline, so one release binary runs on
/// every x86-64-v3 machine (AVX2, FMA, F16C). Swift's `-target-cpu` takes CPU names only, and
/// `haswell`, the first x86-64-v3 CPU, generates the same code for Swift (its extra features,
/// AES and RDRAND, are reached by intrinsics only). `ATRIUM_TARGET_CPU` overrides it (e.g.
/// `native`). The C kernels are compiled for every ISA level at once and chosen at start from
/// cpuid (Sources/CKernels/dispatch.c), so the baseline costs them nothing.
#if arch(x86_64)
let targetCPU = ProcessInfo.processInfo.environment["ATRIUM_TARGET_CPU"] ?? "haswell"
let kernelBaseline = ProcessInfo.processInfo.environment["ATRIUM_TARGET_CPU"] ?? "x86-64-v3"
#else
let targetCPU = ProcessInfo.processInfo.environment["ATRIUM_TARGET_CPU"] ?? "generic"
#endif

/// Kernels and model code: unchecked arithmetic and the baseline CPU's vector units (DESIGN §5).
let hotCodeSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
    .unsafeFlags(["-target-cpu", targetCPU]),
]

/// The C kernels' portable code takes the same baseline; their AVX2, AVX-VNNI, AVX-512 VNNI
/// and NEON dot-product copies carry their own target attributes.
#if arch(x86_64)
let kernelCSettings: [CSetting] = [
    .unsafeFlags(["-O3", "-march=\(kernelBaseline)", "-fno-math-errno"]),
]
#else
let kernelCSettings: [CSetting] = [
    .unsafeFlags(["-O3", "-fno-math-errno"]),
]
#endif

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Atrium",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "atrium", targets: ["atrium"]),
        .library(name: "Inference", targets: ["Inference"]),
        .library(name: "Serving", targets: ["Serving"]),
        .library(name: "Tenancy", targets: ["Tenancy"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "Retrieval", targets: ["Retrieval"]),
        .library(name: "Gateway", targets: ["Gateway"]),
        .library(name: "Server", targets: ["Server"]),
        .library(name: "Console", targets: ["Console"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
    ],
    targets: [
        .target(
            name: "CKernels",
            cSettings: kernelCSettings
        ),
        .target(
            name: "Inference",
            dependencies: ["CKernels"],
            swiftSettings: strictSettings + hotCodeSettings
        ),
        .target(
            name: "Serving",
            dependencies: ["Inference"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Tenancy",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                "Tenancy",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Retrieval",
            dependencies: [
                "Inference",
                "Store",
                "Tenancy",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "Inference",
                "Serving",
                "Tenancy",
                "Store",
                "Retrieval",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Console",
            dependencies: [
                "Gateway",
                "Tenancy",
                "Retrieval",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Gateway",
                "Console",
                "Tenancy",
                "Store",
                "Retrieval",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "atrium",
            dependencies: [
                "Inference",
                "Server",
                "Console",
                "Gateway",
                "Store",
                "Tenancy",
                "Retrieval",
                "Serving",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "InferenceTests",
            dependencies: ["Inference"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings + hotCodeSettings
        ),
        .testTarget(
            name: "ServingTests",
            dependencies: ["Serving", "Inference"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TenancyTests",
            dependencies: ["Tenancy"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "Tenancy", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RetrievalTests",
            dependencies: [
                "Retrieval", "Store", "Tenancy", "Inference", "AtriumTestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AtriumTestSupport",
            dependencies: ["Gateway", "Inference", "Retrieval"],
            path: "Tests/Support",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "Store", "Tenancy", "Retrieval", "AtriumTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server",
                "AtriumTestSupport",
                "Gateway",
                "Inference",
                "Retrieval",
                "Store",
                "Tenancy",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Scripts"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console",
                "Server",
                "AtriumTestSupport",
                "Gateway",
                "Retrieval",
                "Store",
                "Tenancy",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
