import HoistWatchCore

/// Input events scheduled for a later time (contact bounce, chatter, glitches, pulse ends), popped in time order;
/// events at the same time keep the order they were pushed in.
struct EventQueue: Sendable {
    private struct Entry: Sendable {
        var event: InputEvent
        var order: UInt64
    }

    private var heap: [Entry] = []
    private var pushed: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }

    /// Time of the earliest event, or `Int64.max` when empty.
    var nextNs: Int64 { heap.first?.event.tNs ?? .max }

    mutating func push(_ event: InputEvent) {
        heap.append(Entry(event: event, order: pushed))
        pushed &+= 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> InputEvent {
        let top = heap[0].event
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { break }
                var smallest = left
                if left + 1 < heap.count && Self.before(heap[left + 1], heap[left]) { smallest = left + 1 }
                guard Self.before(heap[smallest], heap[parent]) else { break }
                heap.swapAt(smallest, parent)
                parent = smallest
            }
        }
        return top
    }

    /// Drops every event after `tNs` (the scenario ended).
    mutating func removeAll(after tNs: Int64) {
        var kept: [InputEvent] = []
        while !isEmpty {
            let event = pop()
            if event.tNs <= tNs { kept.append(event) }
        }
        for event in kept { push(event) }
    }

    private static func before(_ lhs: Entry, _ rhs: Entry) -> Bool {
        lhs.event.tNs < rhs.event.tNs || (lhs.event.tNs == rhs.event.tNs && lhs.order < rhs.order)
    }
}
