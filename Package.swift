// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "HoistWatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hoistwatch", targets: ["hoistwatch"]),
        .library(name: "HoistWatchCore", targets: ["HoistWatchCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        // Pure core: signals, detectors, events, codecs, calibration. No file, socket, clock or GPIO access.
        .target(
            name: "HoistWatchCore",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // The plant model (elevator and crane) and scenario scripts: pure, time-stepped.
        .target(
            name: "HoistWatchSimulator",
            dependencies: ["HoistWatchCore", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // File shells: streaming trace reader/writer, loading calibration and scenario files.
        .target(
            name: "HoistWatchIO",
            dependencies: ["HoistWatchCore", "HoistWatchSimulator"]
        ),
        // C libraries, each wrapped once in the agent target.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CTimex"),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CGpiod", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
        // Real board inputs: libgpiod (v1 API) wrapped once, the GPIO input backend, trace recording.
        .target(
            name: "HoistWatchBoard",
            dependencies: ["HoistWatchCore", "CGpiod", .product(name: "Logging", package: "swift-log")]
        ),
        // A fake libgpiod at the C boundary (scripted chips, lines, kernel FIFOs) for tests and the GPIO bench.
        .target(
            name: "HoistWatchBoardTestKit",
            dependencies: ["HoistWatchBoard", "HoistWatchCore", "CGpiod"]
        ),
        // The running agent's I/O shells: durable outbox (SQLite), MQTT link (libmosquitto), services; the boards
        // it reads (simulated, GPIO).
        .target(
            name: "HoistWatchAgent",
            dependencies: [
                "HoistWatchCore",
                "HoistWatchSimulator",
                "HoistWatchIO",
                "HoistWatchBoard",
                "CSQLite",
                "CMosquitto",
                "COpenSSL",
                "CTimex",
                "CMalloc",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "hoistwatch",
            dependencies: [
                "HoistWatchCore",
                "HoistWatchSimulator",
                "HoistWatchIO",
                "HoistWatchAgent",
                "HoistWatchBoard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "hoistwatch-bench",
            dependencies: [
                "HoistWatchCore", "HoistWatchSimulator", "HoistWatchIO", "HoistWatchAgent",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/hoistwatch-bench"
        ),
        .executableTarget(
            name: "hoistwatch-gpio-bench",
            dependencies: [
                "HoistWatchCore", "HoistWatchBoard", "HoistWatchBoardTestKit",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/hoistwatch-gpio-bench"
        ),
        // Programs the tests start, spawned and reaped with posix_spawn and waitpid (ChildProgram.swift says why).
        .target(name: "HoistWatchTestSupport", path: "Tests/HoistWatchTestSupport"),
        .testTarget(
            name: "HoistWatchCoreTests",
            dependencies: [
                "HoistWatchCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "HoistWatchSimulatorTests",
            dependencies: ["HoistWatchCore", "HoistWatchSimulator", "HoistWatchIO"]
        ),
        .testTarget(
            name: "HoistWatchAgentTests",
            dependencies: [
                "HoistWatchAgent",
                "HoistWatchBoard",
                "HoistWatchBoardTestKit",
                "HoistWatchCore",
                "HoistWatchTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "HoistWatchBoardTests",
            dependencies: [
                "HoistWatchBoard",
                "HoistWatchBoardTestKit",
                "HoistWatchCore",
                "HoistWatchIO",
                "HoistWatchTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
