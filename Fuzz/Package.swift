// swift-tools-version: 6.0
import PackageDescription

// The libFuzzer targets of `make fuzz` (README.md "Fuzzing"): one executable per parser that reads what others write,
// each calling the real parser of the main package (a path dependency on its library products). A package of its
// own so that the main package's `swift build` and `make test` never build them, and so that only they are built
// with `--sanitize=fuzzer --sanitize=address` (in their own scratch folder, .build-fuzz).
let harness: [Target.Dependency] = [
    "FuzzSupport",
    .product(name: "HoistWatchCore", package: "HoistWatch"),
    .product(name: "HoistWatchFiles", package: "HoistWatch"),
    .product(name: "HoistWatchConfig", package: "HoistWatch"),
]

let package = Package(
    name: "HoistWatchFuzz",
    dependencies: [.package(name: "HoistWatch", path: "..")],
    targets: [
        // What every harness shares: the input as a file (the parsers read files), the repository's example files.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "HoistWatchCore", package: "HoistWatch"),
                .product(name: "HoistWatchFiles", package: "HoistWatch"),
                .product(name: "HoistWatchConfig", package: "HoistWatch"),
            ]
        ),
        // The trace reader and codec, through `hoistwatch replay`'s path (the detection engine after them).
        .executableTarget(name: "fuzz-trace", dependencies: harness),
        // Calibration files (with `[thresholds]`), then the detection engine built from what was accepted.
        .executableTarget(name: "fuzz-calibration", dependencies: harness),
        // Site config (`hoistwatch run --config`).
        .executableTarget(name: "fuzz-site-config", dependencies: harness),
        // Board profiles (`board = "NAME"`), then checked against every wiring.
        .executableTarget(name: "fuzz-board-profile", dependencies: harness),
        // Scenario files, then the plant simulation built and played for a few seconds of trace time.
        .executableTarget(
            name: "fuzz-scenario",
            dependencies: harness + [.product(name: "HoistWatchSimulator", package: "HoistWatch")]
        ),
        // What `hoistwatch diag` reads from the agent's socket: the snapshot's decoder and the screen drawn from it.
        .executableTarget(
            name: "fuzz-diag",
            dependencies: harness + [.product(name: "HoistWatchAgent", package: "HoistWatch")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
