import Testing

@testable import HoistWatchCore

/// `storage_fault` (faults.md): raised at the first failure, once per cause; cleared once the store has worked again
/// for 10 s (`corrupt`: 60 s without a new mismatch). Scripts of observations on a hand-moved clock.
@Suite struct StorageFaultDetectorTests {
    static let s: Int64 = 1_000_000_000

    static func failed(_ causes: StorageFailureCause...) -> StorageObservation {
        StorageObservation(failures: Set(causes), worked: false)
    }
    static let worked = StorageObservation(worked: true)
    static let quiet = StorageObservation()

    @Test(arguments: StorageFailureCause.allCases)
    func raisedAtTheFirstFailureAndOnceWhileItLasts(cause: StorageFailureCause) {
        var detector = StorageFaultDetector()
        #expect(detector.observe(Self.quiet, atNs: 0).isEmpty)
        #expect(detector.observe(Self.failed(cause), atNs: 1 * Self.s) == [.init(cause: cause, transition: .raised)])
        for t in 2...9 { #expect(detector.observe(Self.failed(cause), atNs: Int64(t) * Self.s).isEmpty) }
        #expect(detector.raised == [cause])
    }

    @Test func aStoreThatOnlyWorksRaisesNothing() {
        var detector = StorageFaultDetector()
        for t in 0...100 { #expect(detector.observe(Self.worked, atNs: Int64(t) * Self.s).isEmpty) }
        #expect(detector.raised.isEmpty)
    }

    /// Just below, at and above the 10 s of a working store.
    @Test(arguments: StorageFailureCause.allCases.filter { $0 != .corrupt })
    func clearedOnceTheStoreHasWorkedForTenSeconds(cause: StorageFailureCause) {
        var detector = StorageFaultDetector()
        _ = detector.observe(Self.failed(cause), atNs: 0)
        // Time without a working store does not count.
        #expect(detector.observe(Self.quiet, atNs: 30 * Self.s).isEmpty)
        #expect(detector.observe(Self.worked, atNs: 40 * Self.s).isEmpty)
        #expect(detector.observe(Self.quiet, atNs: 50 * Self.s - 1).isEmpty, "just below 10 s")
        #expect(detector.observe(Self.quiet, atNs: 50 * Self.s) == [.init(cause: cause, transition: .cleared)])
        #expect(detector.raised.isEmpty)
        #expect(detector.observe(Self.quiet, atNs: 60 * Self.s).isEmpty, "cleared once")
    }

    @Test func aNewFailureWhileClearingStartsTheTenSecondsAgain() {
        var detector = StorageFaultDetector()
        _ = detector.observe(Self.failed(.full), atNs: 0)
        _ = detector.observe(Self.worked, atNs: 1 * Self.s)
        #expect(detector.observe(Self.failed(.full), atNs: 9 * Self.s).isEmpty, "still raised: not raised again")
        _ = detector.observe(Self.worked, atNs: 10 * Self.s)
        #expect(detector.observe(Self.quiet, atNs: 19 * Self.s).isEmpty)
        #expect(detector.observe(Self.quiet, atNs: 20 * Self.s) == [.init(cause: .full, transition: .cleared)])
    }

    @Test func causesAreSeparateInstances() {
        var detector = StorageFaultDetector()
        #expect(
            detector.observe(Self.failed(.readOnly, .full), atNs: 0) == [
                .init(cause: .full, transition: .raised), .init(cause: .readOnly, transition: .raised),
            ])
        #expect(
            detector.observe(Self.failed(.ioError), atNs: 1 * Self.s) == [.init(cause: .ioError, transition: .raised)])
        #expect(detector.raised == [.full, .readOnly, .ioError])
        _ = detector.observe(Self.worked, atNs: 2 * Self.s)
        let cleared = detector.observe(Self.quiet, atNs: 12 * Self.s)
        #expect(Set(cleared.map(\.cause)) == [.full, .readOnly, .ioError])
        #expect(cleared.allSatisfy { $0.transition == .cleared })
    }

    /// `corrupt` clears 60 s after the last mismatch, whether or not the store worked meanwhile.
    @Test func corruptClearsSixtySecondsAfterTheLastMismatch() {
        var detector = StorageFaultDetector()
        #expect(detector.observe(Self.failed(.corrupt), atNs: 0) == [.init(cause: .corrupt, transition: .raised)])
        _ = detector.observe(Self.worked, atNs: 1 * Self.s)
        #expect(detector.observe(Self.failed(.corrupt), atNs: 30 * Self.s).isEmpty)
        #expect(detector.observe(Self.worked, atNs: 90 * Self.s - 1).isEmpty, "just below 60 s after the last")
        #expect(detector.observe(Self.quiet, atNs: 90 * Self.s) == [.init(cause: .corrupt, transition: .cleared)])
    }

    @Test func causeNamesAreFaultsMd() {
        #expect(StorageFailureCause.allCases.map(\.rawValue) == ["full", "read_only", "io_error", "corrupt"])
        #expect(FaultType.storageFault.rawValue == "storage_fault")
        #expect(FaultType.storageFault.severity(for: .elevator) == .warning)
        #expect(FaultType.storageFault.severity(for: .crane) == .warning)
    }
}
