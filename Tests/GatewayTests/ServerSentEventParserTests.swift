@testable import Gateway
import Testing

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
