import Foundation
import HoistWatchBoard
import HoistWatchBoardTestKit
import HoistWatchSystem
import Testing

/// The fake libgpiod's registry of boards, under the concurrency of the test suites: boards are made and let go
/// on some threads while others look chips up by label (every `GpioInputBackend` test does).
@Suite struct FakeGpiodRegistryTests {
    /// A lookup holds every live board for a moment; when a test lets go of its board meanwhile, the lookup's
    /// reference is the last and the board is freed on the lookup's thread. Freeing unregisters the board; done
    /// inside the registry's lock, that relocked a non-recursive mutex and hung every GPIO test of the run (a CI
    /// run of `make test` hung until its time limit). This test deadlocked within a second before the fix.
    @Test func boardsFreedWhileOthersLookUpChipsDoNotDeadlock() {
        let threads = 4
        let finished = DispatchGroup()
        for thread in 0..<threads {
            finished.enter()
            PosixThread.detach {
                for turn in 0..<300 {
                    let label = FakeGpioBoard.uniqueLabel("registry\(thread)")
                    var board: FakeGpioBoard? = FakeGpioBoard(
                        chips: [.init(name: "gpiochip-\(label)", label: label, lineCount: 4)])
                    #expect(FakeGpiod.functions.chipOpenByLabel("no-such-label-\(turn)") == nil)
                    board = nil
                    _ = board
                }
                finished.leave()
            }
        }
        #expect(finished.wait(timeout: .now() + 30) == .success, "the registry deadlocked")
    }
}
