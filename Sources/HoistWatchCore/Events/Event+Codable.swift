/// The event's fields as a `Codable` value: what the agent's outbox stores, so that the payload a subscriber gets
/// is rendered from the fields when it is sent (`Event.jsonBytes()`), with the `time` correction and the
/// `historical` flag the outbox and the link decided, instead of being spliced into stored text.
extension Event: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, seq
        case deviceId = "device_id"
        case type, transition, severity
        case monoNs = "mono_ns"
        case bootId = "boot_id"
        case wallNs = "wall_ns"
        case timeSynced = "time_synced"
        case data
        case raisedId = "raised_id"
        case durationS = "duration_s"
        case historical
    }

    /// Decodes the fields `encode(to:)` wrote.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id),
            seq: try container.decodeIfPresent(Int64.self, forKey: .seq),
            deviceId: try container.decode(String.self, forKey: .deviceId),
            type: try container.decode(FaultType.self, forKey: .type),
            transition: try container.decode(Transition.self, forKey: .transition),
            severity: try container.decode(Severity.self, forKey: .severity),
            monoNs: try container.decode(Int64.self, forKey: .monoNs),
            bootId: try container.decode(String.self, forKey: .bootId),
            wallNs: try container.decode(Int64.self, forKey: .wallNs),
            timeSynced: try container.decode(Bool.self, forKey: .timeSynced),
            data: try container.decode(EventData.self, forKey: .data),
            raisedId: try container.decodeIfPresent(String.self, forKey: .raisedId),
            durationS: try container.decodeIfPresent(Double.self, forKey: .durationS))
        historical = try container.decodeIfPresent(Bool.self, forKey: .historical) ?? false
    }

    /// Encodes every field (not the payload form: `wall_ns` as a number, `data` with the kind of each value).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(seq, forKey: .seq)
        try container.encode(deviceId, forKey: .deviceId)
        try container.encode(type, forKey: .type)
        try container.encode(transition, forKey: .transition)
        try container.encode(severity, forKey: .severity)
        try container.encode(monoNs, forKey: .monoNs)
        try container.encode(bootId, forKey: .bootId)
        try container.encode(wallNs, forKey: .wallNs)
        try container.encode(timeSynced, forKey: .timeSynced)
        try container.encode(data, forKey: .data)
        try container.encodeIfPresent(raisedId, forKey: .raisedId)
        try container.encodeIfPresent(durationS, forKey: .durationS)
        if historical { try container.encode(historical, forKey: .historical) }
    }
}

extension FaultType: Codable {}
extension Severity: Codable {}
extension Transition: Codable {}

/// `data` in order, each value with its kind: `[["speed_mps", {"n": 2.21}], ...]` (`n` number, `i` integer, `t`
/// text, `f` flag, `ts` texts), so decoding gives back exactly the fields, and the payload, that were encoded.
extension EventData: Codable {
    private enum ValueKey: String, CodingKey { case n, i, t, f, ts }

    /// Decodes the pairs `encode(to:)` wrote, in order.
    public init(from decoder: any Decoder) throws {
        self.init()
        var pairs = try decoder.unkeyedContainer()
        while !pairs.isAtEnd {
            var pair = try pairs.nestedUnkeyedContainer()
            let key = try pair.decode(String.self)
            let value = try pair.nestedContainer(keyedBy: ValueKey.self)
            if let number = try value.decodeIfPresent(Double.self, forKey: .n) {
                set(key, .number(number))
            } else if let integer = try value.decodeIfPresent(Int64.self, forKey: .i) {
                set(key, .integer(integer))
            } else if let text = try value.decodeIfPresent(String.self, forKey: .t) {
                set(key, .text(text))
            } else if let flag = try value.decodeIfPresent(Bool.self, forKey: .f) {
                set(key, .flag(flag))
            } else {
                set(key, .texts(try value.decode([String].self, forKey: .ts)))
            }
        }
    }

    /// Encodes the fields in order, each value with its kind.
    public func encode(to encoder: any Encoder) throws {
        var pairs = encoder.unkeyedContainer()
        for field in fields {
            var pair = pairs.nestedUnkeyedContainer()
            try pair.encode(field.key)
            var value = pair.nestedContainer(keyedBy: ValueKey.self)
            switch field.value {
            case .number(let number): try value.encode(number, forKey: .n)
            case .integer(let integer): try value.encode(integer, forKey: .i)
            case .text(let text): try value.encode(text, forKey: .t)
            case .flag(let flag): try value.encode(flag, forKey: .f)
            case .texts(let texts): try value.encode(texts, forKey: .ts)
            }
        }
    }
}
