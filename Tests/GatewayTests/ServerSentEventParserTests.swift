@testable import Gateway
import Testing

/// The parser lends each event's bytes to a closure; these read them as strings.
extension ServerSentEventParser {
    fileprivate mutating func consume(_ bytes: some Collection<UInt8>) -> [String] {
        var events: [String] = []
        Array(bytes).withUnsafeBytes { consume($0) { events.append(String(decoding: $0, as: UTF8.self)) } }
        return events
    }

    fileprivate mutating func finish() -> String? {
        var last: String?
        finish { last = String(decoding: $0, as: UTF8.self) }
        return last
    }
}

@Suite struct ServerSentEventParserTests {
    @Test func eventsSurviveAnySplitOfTheBytes() {
        let body = Array("data: {\"a\":1}\n\n: keep-alive\n\ndata: second\r\n\r\nevent: x\ndata: [DONE]\n\n".utf8)
        for split in 1..<body.count {
            var parser = ServerSentEventParser()
            let events = parser.consume(body[..<split]) + parser.consume(body[split...])
            #expect(events == ["{\"a\":1}", "second", "[DONE]"], "split at \(split)")
            #expect(parser.finish() == nil)
        }
    }

    @Test func multiLineDataIsJoinedWithNewlines() {
        var parser = ServerSentEventParser()
        #expect(parser.consume(Array("data: one\ndata:two\n\n".utf8)) == ["one\ntwo"])
    }

    @Test func aFinalEventWithoutItsBlankLineIsKept() {
        var parser = ServerSentEventParser()
        #expect(parser.consume(Array("data: last".utf8)).isEmpty)
        #expect(parser.finish() == "last")
    }

    @Test func otherFieldsAndCommentsAreSkipped() {
        var parser = ServerSentEventParser()
        #expect(parser.consume(Array("id: 7\nretry: 10\n: hi\ndatax: no\n\n".utf8)).isEmpty)
    }
}
