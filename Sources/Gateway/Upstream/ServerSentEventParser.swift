#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a `text/event-stream` body into the `data` of each event, as bytes arrive in
/// arbitrary pieces. Comments, `event:` and `id:` fields are skipped; several `data:` lines
/// of one event are joined with newlines.
///
/// Each event's data is lent to a closure as bytes, valid during the call: relaying a token
/// allocates nothing (lines are found with `memchr`, a line that arrived whole is read where
/// it lies, and the data is gathered in a buffer kept from event to event). A line or an
/// event larger than `maximumEventBytes` is refused (an upstream that never ends a line must
/// not fill memory).
struct ServerSentEventParser {
    /// The start of a line whose end has not arrived yet.
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private let maximumEventBytes: Int

    init(maximumEventBytes: Int = 16 << 20) {
        self.maximumEventBytes = maximumEventBytes
        line.reserveCapacity(1024)
        data.reserveCapacity(1024)
    }

    /// Feeds bytes; calls `event` with the data of every event they complete, in order.
    /// - Throws: what `event` throws; ``BackendError/malformedResponse(_:)`` for an event
    ///   larger than the limit.
    mutating func consume(
        _ bytes: UnsafeRawBufferPointer, event: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let bytes = bytes.assumingMemoryBound(to: UInt8.self)
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while start < bytes.count,
            let found = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
        {
            let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            let piece = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if line.isEmpty {
                try endLine(piece, event: event)
            } else {
                try checkSize(line.count + piece.count)
                line.append(contentsOf: piece)
                defer { line.removeAll(keepingCapacity: true) }
                try line.withUnsafeBufferPointer { try endLine($0, event: event) }
            }
            start = end + 1
        }
        try checkSize(line.count + bytes.count - start)
        line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
    }

    /// Calls `event` with the last event's data when the body ended without its blank line.
    mutating func finish(event: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        if !line.isEmpty {
            let rest = line
            line.removeAll()
            try rest.withUnsafeBufferPointer { try endLine($0, event: event) }
        }
        if hasData { try dispatch(event) }
    }

    private mutating func endLine(
        _ bytes: UnsafeBufferPointer<UInt8>, event: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        var line = bytes[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard !line.isEmpty else {
            if hasData { try dispatch(event) }
            return
        }
        let field = "data".utf8
        guard line.starts(with: field),
            line.count == field.count || line[line.startIndex + field.count] == UInt8(ascii: ":")
        else { return }
        var value = line.dropFirst(min(line.count, field.count + 1))
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        try checkSize(data.count + (hasData ? 1 : 0) + value.count)
        if hasData { data.append(UInt8(ascii: "\n")) }
        data.append(contentsOf: UnsafeBufferPointer(rebasing: value))
        hasData = true
    }

    private func checkSize(_ bytes: Int) throws {
        guard bytes <= maximumEventBytes else {
            throw BackendError.malformedResponse("a stream event is larger than \(maximumEventBytes) bytes")
        }
    }

    private mutating func dispatch(_ event: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
        }
        try data.withUnsafeBufferPointer { try event($0) }
    }
}
