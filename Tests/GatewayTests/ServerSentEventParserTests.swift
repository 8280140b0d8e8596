@testable import Gateway
import Testing

/// The parser lends each event's bytes to a closure; these read them as strings.
extension ServerSentEventParser {
    fileprivate mutating func consume(_ bytes: some Collection<UInt8>) throws -> [String] {
        var events: [String] = []
        try Array(bytes).withUnsafeBytes { try consume($0) { events.append(String(decoding: $0, as: UTF8.self)) } }
        return events
    }

    fileprivate mutating func finish() throws -> String? {
        var last: String?
        try finish { last = String(decoding: $0, as: UTF8.self) }
        return last
    }
}

@Suite struct ServerSentEventParserTests {
    @Test func eventsSurviveAnySplitOfTheBytes() throws {
        let body = Array("data: {\"a\":1}\n\n: keep-alive\n\ndata: second\r\n\r\nevent: x\ndata: [DONE]\n\n".utf8)
        for split in 1..<body.count {
            var parser = ServerSentEventParser()
            let events = try parser.consume(body[..<split]) + parser.consume(body[split...])
            #expect(events == ["{\"a\":1}", "second", "[DONE]"], "split at \(split)")
            #expect(try parser.finish() == nil)
        }
    }

    @Test func multiLineDataIsJoinedWithNewlines() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.consume(Array("data: one\ndata:two\n\n".utf8)) == ["one\ntwo"])
    }

    @Test func aFinalEventWithoutItsBlankLineIsKept() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.consume(Array("data: last".utf8)).isEmpty)
        #expect(try parser.finish() == "last")
    }

    @Test func otherFieldsAndCommentsAreSkipped() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.consume(Array("id: 7\nretry: 10\n: hi\ndatax: no\n\n".utf8)).isEmpty)
    }

    @Test func aLineOrEventOverTheLimitIsRefused() throws {
        // A line that never ends, arriving in pieces.
        var endless = ServerSentEventParser(maximumEventBytes: 64)
        _ = try endless.consume(Array(repeating: UInt8(ascii: "x"), count: 60))
        #expect(throws: BackendError.self) { try endless.consume(Array(repeating: UInt8(ascii: "x"), count: 10)) }
        // Many data lines of one event, each short.
        var joined = ServerSentEventParser(maximumEventBytes: 64)
        #expect(throws: BackendError.self) {
            try joined.consume(Array(String(repeating: "data: 0123456789\n", count: 8).utf8))
        }
        // Up to the limit is fine.
        var fits = ServerSentEventParser(maximumEventBytes: 64)
        let data = String(repeating: "y", count: 64)
        #expect(try fits.consume(Array("data: \(data)\n\n".utf8)) == [data])
    }
}
