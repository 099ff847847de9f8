// swift-tools-version: 6.0
import PackageDescription

// One target per layer; README.md "Layers" draws the same graph (keep the two true together):
//
//   HoistWatchCore       pure: signals, detectors, events, trace codec, calibration values, the board-input seam
//   HoistWatchSystem     the machine's clocks, a lock, threads (what the I/O shells share)
//   HoistWatchFiles      text and trace files, replay                         -> Core
//   HoistWatchConfig     TOML: calibration, site config, board profiles, the comment-keeping editor -> Core, Files
//   HoistWatchSimulator  the plant model, scenarios, SimulatedBoard           -> Core, Config, Files
//   HoistWatchBoard      libgpiod, HX711 (IIO and bit-banged), GpioBoard, input merge, recorder -> Core, Config, Files,
//                        System
//   HoistWatchAgent      outbox (SQLite), MQTT link (libmosquitto), services  -> Core, Config, Files, System (any
//                        BoardInputSource)
//   hoistwatch           the command line: parses, picks the board, calls the layers above
let package = Package(
    name: "HoistWatch",
    products: [
        .executable(name: "hoistwatch", targets: ["hoistwatch"]),
        .library(name: "HoistWatchCore", targets: ["HoistWatchCore"]),
        // The layers whose parsers read what others write, for the fuzz package (Fuzz/Package.swift, `make fuzz`).
        .library(name: "HoistWatchFiles", targets: ["HoistWatchFiles"]),
        .library(name: "HoistWatchConfig", targets: ["HoistWatchConfig"]),
        .library(name: "HoistWatchSimulator", targets: ["HoistWatchSimulator"]),
        .library(name: "HoistWatchAgent", targets: ["HoistWatchAgent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        // Pure core: signals, detectors, events, codecs, calibration values. No file, socket, clock, GPIO or TOML.
        .target(name: "HoistWatchCore"),
        // The machine's primitives the shells share: its clocks, a lock, threads of their own.
        .target(name: "HoistWatchSystem", dependencies: ["CTimex", "CWake"]),
        // File shells: text files with errors naming the file, buffered writes, streaming trace files, replay.
        .target(name: "HoistWatchFiles", dependencies: ["HoistWatchCore"]),
        // Configuration: TOML reading and comment-keeping editing, calibration files, site config, board profiles.
        .target(
            name: "HoistWatchConfig",
            dependencies: ["HoistWatchCore", "HoistWatchFiles", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // The plant model (elevator and crane), scenario scripts and the simulated board that plays them.
        .target(name: "HoistWatchSimulator", dependencies: ["HoistWatchCore", "HoistWatchConfig", "HoistWatchFiles"]),
        // C libraries, each wrapped once.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CTimex"),
        .systemLibrary(name: "CWake"),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // libgpiod is declared by HoistWatch itself and loaded at run time, v2 (libgpiod.so.3) or v1 (libgpiod.so.2):
        // nothing of it is needed to build (Sources/CGpiod/shim.h, docs/gpio.md "Which libgpiod").
        .systemLibrary(name: "CGpiod"),
        // Real boards: libgpiod wrapped once, the GPIO input backend, the HX711 (IIO and bit-banged), GpioBoard,
        // the input merge and the trace recorder.
        .target(
            name: "HoistWatchBoard",
            dependencies: [
                "HoistWatchCore", "HoistWatchConfig", "HoistWatchFiles", "HoistWatchSystem", "CGpiod", "CWake",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A fake libgpiod at the C boundary (scripted chips, lines, kernel FIFOs, an HX711) for tests and the bench.
        .target(
            name: "HoistWatchBoardTestKit",
            dependencies: ["HoistWatchBoard", "HoistWatchCore", "HoistWatchSystem", "CGpiod", "CWake"]
        ),
        // The running agent's I/O shells: durable outbox (SQLite), MQTT link (libmosquitto), detection, status and
        // diag services. It reads any `BoardInputSource`; the executable chooses which.
        .target(
            name: "HoistWatchAgent",
            dependencies: [
                "HoistWatchCore",
                "HoistWatchConfig",
                "HoistWatchFiles",
                "HoistWatchSystem",
                "CSQLite",
                "CMosquitto",
                "COpenSSL",
                "CTimex",
                "CMalloc",
                "CZstd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "hoistwatch",
            dependencies: [
                "HoistWatchCore",
                "HoistWatchFiles",
                "HoistWatchConfig",
                "HoistWatchSimulator",
                "HoistWatchBoard",
                "HoistWatchAgent",
                "HoistWatchSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "hoistwatch-bench",
            dependencies: [
                "HoistWatchCore", "HoistWatchAgent", "HoistWatchSystem",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/hoistwatch-bench"
        ),
        .executableTarget(
            name: "hoistwatch-fleet-bench",
            dependencies: [
                "HoistWatchAgent", "HoistWatchSystem",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/hoistwatch-fleet-bench"
        ),
        .executableTarget(
            name: "hoistwatch-gpio-bench",
            dependencies: [
                "HoistWatchConfig", "HoistWatchCore", "HoistWatchBoard", "HoistWatchBoardTestKit",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/hoistwatch-gpio-bench"
        ),
        .executableTarget(
            name: "hoistwatch-gpio-idle-bench",
            dependencies: [
                "HoistWatchAgent", "HoistWatchBoard", "HoistWatchBoardTestKit", "HoistWatchConfig", "HoistWatchCore",
                "HoistWatchSystem", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/hoistwatch-gpio-idle-bench"
        ),
        // What several test targets share: real brokers and agent processes, temporary folders, certificates, paths.
        .target(name: "HoistWatchTestSupport", dependencies: ["CFsuid"], path: "Tests/HoistWatchTestSupport"),
        // ...and what the agent's suites share beside it: a second MQTT client that records, a capturing logger.
        .target(
            name: "HoistWatchAgentTestSupport",
            dependencies: [
                "HoistWatchAgent", "HoistWatchSystem", "HoistWatchTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/HoistWatchAgentTestSupport"
        ),
        // setfsuid(2) and setfsgid(2), which Glibc's Swift module leaves out: the test kit checks one thread's file
        // accesses as another user's (what "permission denied" tests need when they run as root).
        .systemLibrary(name: "CFsuid", path: "Tests/CFsuid"),
        .testTarget(
            name: "HoistWatchCoreTests",
            dependencies: [
                "HoistWatchCore", "HoistWatchTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        // The simulator only writes the traces the file tests read and replay.
        .testTarget(
            name: "HoistWatchFilesTests",
            dependencies: ["HoistWatchCore", "HoistWatchFiles", "HoistWatchSimulator", "HoistWatchTestSupport"]
        ),
        .testTarget(
            name: "HoistWatchConfigTests",
            dependencies: [
                "HoistWatchCore", "HoistWatchFiles", "HoistWatchConfig", "HoistWatchSimulator", "HoistWatchTestSupport",
            ]
        ),
        .testTarget(
            name: "HoistWatchSimulatorTests",
            dependencies: [
                "HoistWatchCore", "HoistWatchFiles", "HoistWatchConfig", "HoistWatchSimulator", "HoistWatchTestSupport",
            ]
        ),
        .testTarget(
            name: "HoistWatchBoardTests",
            dependencies: [
                "HoistWatchBoard",
                "HoistWatchBoardTestKit",
                "HoistWatchConfig",
                "HoistWatchCore",
                "HoistWatchFiles",
                "HoistWatchSystem",
                "HoistWatchTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "HoistWatchAgentTests",
            dependencies: [
                "HoistWatchAgent",
                "HoistWatchConfig",
                "HoistWatchCore",
                "HoistWatchFiles",
                "HoistWatchSystem",
                "HoistWatchTestSupport",
                "HoistWatchAgentTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The executable as users run it: `hoistwatch` processes against real brokers, the demo script, the
        // calibration wizards; and the agent put together in-process on the fake libgpiod.
        .testTarget(
            name: "hoistwatchTests",
            dependencies: [
                "hoistwatch",
                "HoistWatchAgent",
                "HoistWatchBoard",
                "HoistWatchBoardTestKit",
                "HoistWatchConfig",
                "HoistWatchCore",
                "HoistWatchSimulator",
                "HoistWatchSystem",
                "HoistWatchTestSupport",
                "HoistWatchAgentTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
