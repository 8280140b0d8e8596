/// Splits a `text/event-stream` body into the `data` of each event, as bytes arrive in
/// arbitrary pieces. Comments, `event:` and `id:` fields are skipped; several `data:` lines
/// of one event are joined with newlines.
struct ServerSentEventParser {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false

    init() {
        line.reserveCapacity(1024)
    }

    /// Feeds bytes; returns the data of every event they completed.
    mutating func consume(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
            }
        }
        return events
    }

    /// The last event, when the body ended without its blank line.
    mutating func finish() -> String? {
        if !line.isEmpty, let event = endLine() { return event }
        return hasData ? dispatch() : nil
    }

    private mutating func endLine() -> String? {
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else { return hasData ? dispatch() : nil }
        let field = Array("data".utf8)
        guard line.starts(with: field), line.count == field.count || line[field.count] == UInt8(ascii: ":") else {
            return nil
        }
        var value = line.dropFirst(min(line.count, field.count + 1))
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        if hasData { data.append(UInt8(ascii: "\n")) }
        data.append(contentsOf: value)
        hasData = true
        return nil
    }

    private mutating func dispatch() -> String {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
        }
        return String(decoding: data, as: UTF8.self)
    }
}
