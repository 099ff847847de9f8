extension FleetWatch {
    /// One readable line per board, by `device_id`: online or not, session, events and duplicates, the seq range and
    /// what is still missing of it (lost, unless it arrives later), drops counted by the board, flight records.
    public func summaryLines() -> [String] {
        boards.keys.sorted().map { deviceId in
            let board = boards[deviceId]!
            let state = board.online.map { $0 ? "online" : "OFFLINE" } ?? "no status seen"
            var line = "board \(deviceId): \(state), session \(board.session.map(String.init) ?? "?"), "
            line += "\(board.events) events (\(board.duplicates) duplicates)"
            if let first = board.seqs.firstSeq, let highest = board.seqs.highestSeq {
                line += ", seq \(first)-\(highest)"
            }
            line += board.seqs.missing.isEmpty ? ", no seq missing" : ", missing seq \(Self.ranges(board.seqs.missing))"
            let dropped = board.dropped.filter { $0.value > 0 }
            if !dropped.isEmpty {
                line += ", dropped on the board: "
                line += dropped.keys.sorted().map { "\(dropped[$0]!) \($0)" }.joined(separator: ", ")
            }
            return line + ", \(board.records) flight records"
        }
    }

    /// The same as one JSON object: `{"kind":"summary","boards":{"<device_id>":{...}}}`.
    public func summaryJSON() -> String {
        var json = JSONText(reservingCapacity: 256)
        json.raw("{\"kind\":\"summary\",\"boards\":{")
        for (index, deviceId) in boards.keys.sorted().enumerated() {
            let board = boards[deviceId]!
            if index > 0 { json.raw(",") }
            json.string(deviceId)
            json.raw(":{\"online\":")
            if let online = board.online { json.bool(online) } else { json.raw("null") }
            json.raw(",\"session\":")
            if let session = board.session { json.int(session) } else { json.raw("null") }
            json.raw(",\"events\":")
            json.int(Int64(board.events))
            json.raw(",\"duplicates\":")
            json.int(Int64(board.duplicates))
            json.raw(",\"first_seq\":")
            if let first = board.seqs.firstSeq { json.int(first) } else { json.raw("null") }
            json.raw(",\"highest_seq\":")
            if let highest = board.seqs.highestSeq { json.int(highest) } else { json.raw("null") }
            json.raw(",\"missing\":[")
            for (position, range) in board.seqs.missing.enumerated() {
                if position > 0 { json.raw(",") }
                json.raw("[")
                json.int(range.lowerBound)
                json.raw(",")
                json.int(range.upperBound)
                json.raw("]")
            }
            json.raw("],\"dropped\":{")
            for (position, key) in board.dropped.keys.sorted().enumerated() {
                if position > 0 { json.raw(",") }
                json.string(key)
                json.raw(":")
                json.int(board.dropped[key]!)
            }
            json.raw("},\"records\":")
            json.int(Int64(board.records))
            json.raw("}")
        }
        json.raw("}}")
        return json.text
    }

    private static func ranges(_ ranges: [ClosedRange<Int64>]) -> String {
        ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ", ")
    }
}
