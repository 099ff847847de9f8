import Testing

@testable import HoistWatchAgent

/// The network loop's decisions for one connection, as scripts: what libmosquitto and poll(2) said, at which time,
/// and the steps and poll interest that follow. No socket, no clock.
@Suite struct MosquittoSocketScheduleTests {
    typealias Steps = MosquittoSocketSchedule.Steps
    private let second: Int64 = 1_000_000_000

    @Test func theKeepaliveDeadlineIsTheWholeSecondOfTheLastWritePlusTheKeepalive() {
        // libmosquitto counts whole seconds of CLOCK_MONOTONIC: a write at 100.7 s makes a PINGREQ due at 130 s.
        var schedule = MosquittoSocketSchedule(keepAliveS: 30, nowNs: 100 * second + 700_000_000)
        #expect(schedule.deadlineNs == 130 * second)
        let steps = schedule.woken(wantsWrite: true)
        #expect(steps == [.write, .misc])
        schedule.stepsDone(
            steps, offeredWritable: false, wantsWrite: false, connackReceived: false, nowNs: 112 * second)
        #expect(schedule.deadlineNs == 142 * second, "every write moves the deadline")
    }

    @Test func readsDoNotMoveTheDeadline() {
        // The read side is libmosquitto's to judge (last_msg_in) on the wake at the deadline.
        var schedule = MosquittoSocketSchedule(keepAliveS: 30, nowNs: 0)
        let steps = schedule.socketReady(readable: true, writable: false)
        #expect(steps == [.read, .misc])
        schedule.stepsDone(steps, offeredWritable: false, wantsWrite: false, connackReceived: true, nowNs: 20 * second)
        #expect(schedule.deadlineNs == 30 * second)
    }

    @Test func theTimerActsOnlyOnceItsDeadlineHasComeAndThenRestarts() {
        var schedule = MosquittoSocketSchedule(keepAliveS: 30, nowNs: 0)
        #expect(schedule.timerFired(nowNs: 30 * second - 1) == [], "just before: nothing to do")
        #expect(schedule.deadlineNs == 30 * second)
        #expect(schedule.timerFired(nowNs: 30 * second) == [.misc], "at the deadline: mosquitto_loop_misc")
        #expect(schedule.deadlineNs == 60 * second, "then a keepalive later, so a quiet connection wakes once per")
        #expect(schedule.timerFired(nowNs: 31 * second) == [])
    }

    @Test func noKeepaliveMeansNoDeadline() {
        var schedule = MosquittoSocketSchedule(keepAliveS: 0, nowNs: 5 * second)
        #expect(schedule.deadlineNs == nil)
        #expect(schedule.timerFired(nowNs: 1_000_000 * second) == [])
    }

    @Test func writabilityIsAskedForExactlyWhileLibmosquittoWantsToWrite() {
        var schedule = MosquittoSocketSchedule(keepAliveS: 30, nowNs: 0)
        #expect(schedule.interest(wantsWrite: false) == .read)
        #expect(schedule.interest(wantsWrite: true) == .readWrite)
        schedule.stepsDone([.read, .misc], offeredWritable: false, wantsWrite: false, connackReceived: true, nowNs: 0)
        // In session a write that stopped early stopped on EAGAIN: writability is what it waits for.
        let steps = schedule.socketReady(readable: false, writable: true)
        #expect(steps == [.write, .misc])
        schedule.stepsDone(steps, offeredWritable: true, wantsWrite: true, connackReceived: true, nowNs: second)
        #expect(schedule.interest(wantsWrite: true) == .readWrite)
    }

    @Test func aWakeWithNothingToWriteMakesNoCall() {
        var schedule = MosquittoSocketSchedule(keepAliveS: 30, nowNs: 0)
        #expect(schedule.woken(wantsWrite: false) == [])
    }

    @Test func beforeTheConnackAWritableSocketAlsoGetsAReadStep() {
        // libmosquitto 2.0 advances its TLS handshake only in mosquitto_loop_read.
        var schedule = MosquittoSocketSchedule(keepAliveS: 30, nowNs: 0)
        #expect(schedule.socketReady(readable: false, writable: true) == [.read, .write, .misc])
    }

    @Test func aHandshakeThatDeclinesAWritableSocketPollsForReadingOnlyUntilTheBrokerAnswers() {
        var schedule = MosquittoSocketSchedule(keepAliveS: 30, nowNs: 0)
        var steps = schedule.socketReady(readable: false, writable: true)
        schedule.stepsDone(steps, offeredWritable: true, wantsWrite: true, connackReceived: false, nowNs: 0)
        #expect(
            schedule.interest(wantsWrite: true) == .read,
            "libmosquitto waits for the broker's handshake: asking for POLLOUT again would return at once, forever")
        steps = schedule.socketReady(readable: true, writable: false)
        #expect(steps == [.read, .misc])
        schedule.stepsDone(steps, offeredWritable: false, wantsWrite: true, connackReceived: false, nowNs: 0)
        #expect(schedule.interest(wantsWrite: true) == .readWrite, "the broker answered: write the CONNECT")
        steps = schedule.socketReady(readable: false, writable: true)
        schedule.stepsDone(steps, offeredWritable: true, wantsWrite: false, connackReceived: false, nowNs: 0)
        #expect(schedule.interest(wantsWrite: false) == .read)
        steps = schedule.socketReady(readable: true, writable: false)
        schedule.stepsDone(steps, offeredWritable: false, wantsWrite: false, connackReceived: true, nowNs: 0)
        #expect(schedule.socketReady(readable: false, writable: true) == [.write, .misc], "in session: no read step")
    }

    @Test func aWakeOrTheDeadlineLiftsAStalledHandshake() {
        var schedule = MosquittoSocketSchedule(keepAliveS: 30, nowNs: 0)
        let steps = schedule.socketReady(readable: false, writable: true)
        schedule.stepsDone(steps, offeredWritable: true, wantsWrite: true, connackReceived: false, nowNs: 0)
        var woken = schedule
        #expect(woken.woken(wantsWrite: true) == [.write, .misc])
        #expect(woken.interest(wantsWrite: true) == .readWrite, "a publish may have queued what can be written")
        #expect(schedule.timerFired(nowNs: 30 * second) == [.misc])
        #expect(schedule.interest(wantsWrite: true) == .readWrite, "mosquitto_loop_misc ends a handshake that hangs")
    }

    @Test func aWriteThatWasNotOfferedAWritableSocketNeverStalls() {
        // A woken write may meet a socket still connecting; only poll's word that it is writable says libmosquitto
        // declined it.
        var schedule = MosquittoSocketSchedule(keepAliveS: 30, nowNs: 0)
        let steps = schedule.woken(wantsWrite: true)
        schedule.stepsDone(steps, offeredWritable: false, wantsWrite: true, connackReceived: false, nowNs: 0)
        #expect(schedule.interest(wantsWrite: true) == .readWrite)
    }
}
