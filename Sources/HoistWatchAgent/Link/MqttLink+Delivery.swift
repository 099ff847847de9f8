/// Handing entries to the client: the two send lanes, and what the link does with a message the broker keeps
/// refusing or one too large to send at all.
///
/// Whether the broker refused a message is never said in MQTT 3.1.1: the connection just ends. So every entry in
/// flight when a connection ends is implicated (`MqttImplication`); one implicated twice, or once alone, is sent
/// again only alone: the link lets what is in flight be acknowledged first and sends nothing beside it (a round
/// trip, so the order stays). A connection that ends with an entry alone in flight is a try against it, and after
/// `maxTries` the entry is set aside, so the entries behind it are not held back again. MQTT 5 says it in the PUBACK
/// instead (`pubackRefused`): no connection ends, nothing else is held back, and the refused entry goes again until
/// `maxTries` refusals, or is set aside at once when sending it again cannot help.
extension MqttLink {
    /// Offers the next waiting entry. Returns `.publish` when connected, its lane has room and the entry is not
    /// already in flight; the owner must then report `published` or `publishFailed`. An entry that used up its
    /// tries is returned as `.setAside`.
    public mutating func send(_ entry: OutboxEntry) -> Action {
        guard case .connected(var connection) = state else { return .none }
        // What was in flight may also have ended without a PUBACK (refused by the client, set aside).
        if connection.draining, connection.inFlightIDs.isEmpty { connection.draining = false }
        guard !connection.inFlightIDs.contains(entry.id), !awaitingRemoval.contains(entry.id),
            connection.isolatedID == nil, !connection.draining
        else { return .none }
        let lane = MqttSendLane(id: entry.id)
        switch lane {
        case .messages:
            guard connection.inFlightIDs.count - connection.recordIDs.count < connection.messageWindow else {
                return .none
            }
        case .records:
            guard connection.recordIDs.count < connection.recordWindow else { return .none }
        }
        if let implication = implicated[entry.id], let refusal = implication.lastRefusal,
            implication.refusedForGood || implication.refusals >= configuration.maxTries
        {
            return .setAside(
                entry,
                reason: implication.refusedForGood
                    ? "the broker refused it (PUBACK \(refusal)): sending it again cannot help"
                    : "the broker refused it \(implication.refusals) times (PUBACK \(refusal))")
        }
        if let implication = implicated[entry.id], implication.needsIsolation {
            if implication.tries >= configuration.maxTries {
                return .setAside(
                    entry,
                    reason: "the connection ended \(implication.tries) times with it alone in flight: "
                        + "the broker refuses it")
            }
            guard connection.inFlightIDs.isEmpty else {
                connection.draining = true
                state = .connected(connection)
                return .none
            }
            connection.isolatedID = entry.id
        }
        connection.inFlightIDs.insert(entry.id)
        if lane == .records { connection.recordIDs.insert(entry.id) }
        let isBacklog = entry.position <= connection.backlogThroughPosition
        state = .connected(connection)
        switch lane {
        case .messages: sendCursor.advance(past: entry)
        case .records: recordCursor.advance(past: entry)
        }
        return .publish(entry, isBacklog: isBacklog)
    }

    /// PUBACK for `mid` with a failure reason code (MQTT 5): the broker did not take the message. The entry leaves
    /// the window and is held against (`MqttImplication.refusals`); the next refill reads it again, and `send` sets
    /// it aside when its refusals are used up or the reason says sending again cannot help. Returns the refused
    /// entry's id (nil for the birth's or a stale mid) and `.refillWindow` when a refill is due.
    public mutating func pubackRefused(
        mid: Int32, reasonCode: Int32, reason: String, nowNs: Int64
    ) -> (id: String?, action: Action) {
        guard case .connected(var connection) = state else { return (nil, .none) }
        if connection.birthMid == mid {
            connection.birthMid = nil
            state = .connected(connection)
            return (nil, .none)
        }
        guard let id = connection.entryByMid.removeValue(forKey: mid) else { return (nil, .none) }
        connection.inFlightIDs.remove(id)
        connection.recordIDs.remove(id)
        if connection.isolatedID == id { connection.isolatedID = nil }
        if connection.inFlightIDs.isEmpty { connection.draining = false }
        state = .connected(connection)
        var implication = implicated[id] ?? MqttImplication()
        implication.refusals += 1
        implication.lastRefusal = "0x\(String(reasonCode, radix: 16)) \(reason)"
        implication.refusedForGood = MqttImplication.refusalsForGood.contains(reasonCode)
        implicated[id] = implication
        // The entry waits below the cursors now.
        sendCursor = .start
        recordCursor = .start
        guard !refillRequested else { return (id, .none) }
        refillRequested = true
        return (id, .refillWindow)
    }

    /// The entry handed out by `.publish` is larger, as rendered, than `maxMessageBytes` allows: it is not sent
    /// but set aside.
    public mutating func tooLarge(_ entry: OutboxEntry, packetBytes: Int) -> Action {
        if case .connected(var connection) = state {
            connection.inFlightIDs.remove(entry.id)
            connection.recordIDs.remove(entry.id)
            if connection.isolatedID == entry.id { connection.isolatedID = nil }
            state = .connected(connection)
        }
        return .setAside(
            entry,
            reason: maxMessageBytes < configuration.maxMessageBytes
                ? "its PUBLISH is \(packetBytes) bytes, over the broker's maximum packet size (\(maxMessageBytes), "
                    + "from its CONNACK; broker.max_message_bytes is \(configuration.maxMessageBytes))"
                : "its PUBLISH is \(packetBytes) bytes, over broker.max_message_bytes "
                    + "(\(configuration.maxMessageBytes))")
    }

    /// The entry is gone from the outbox, counted as dropped; sending goes on (`.refillWindow`, as after a PUBACK).
    public mutating func setAsideDone(id: String) -> Action {
        implicated[id] = nil
        setAsideCount += 1
        guard case .connected = state, !refillRequested else { return .none }
        refillRequested = true
        return .refillWindow
    }

    /// The connection ended with these entries in flight: the one sent alone (or the only one) gets a try, every
    /// one a loss.
    mutating func implicate(_ connection: Connection) {
        lastBlamed = nil
        let inFlight = connection.inFlightIDs
        var blamed: String?
        if let isolated = connection.isolatedID, inFlight.contains(isolated) {
            blamed = isolated
        } else if inFlight.count == 1 {
            blamed = inFlight.first
        }
        for id in inFlight {
            var implication = implicated[id] ?? MqttImplication()
            implication.losses += 1
            if id == blamed {
                implication.tries += 1
                lastBlamed = (id, implication.tries)
            }
            implicated[id] = implication
        }
    }
}
