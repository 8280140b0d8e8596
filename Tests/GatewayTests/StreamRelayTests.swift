@testable import Gateway
import Testing

extension StreamRelay {
    /// The events one event's data holds, collected.
    mutating func events(forData data: String) throws -> [GenerationEvent] {
        var events: [GenerationEvent] = []
        var data = data
        try data.withUTF8 { try relay($0) { events.append($0) } }
        return events
    }
}

@Suite struct StreamRelayTests {
    private func chunk(_ content: String?, finish: String? = nil, usage: String? = nil) -> String {
        let delta = content.map { #"{"content":"\#($0)"}"# } ?? "{}"
        let reason = finish.map { "\"\($0)\"" } ?? "null"
        let usagePart = usage.map { #","usage":\#($0)"# } ?? ""
        return #"{"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(reason)}]\#(usagePart)}"#
    }

    @Test func usageOnTheFinishChunkIsReported() throws {
        var relay = StreamRelay()
        var events = try relay.events(forData: chunk("Hel")) + relay.events(forData: chunk("lo"))
        events += try relay.events(forData: chunk(nil, finish: "length", usage: #"{"prompt_tokens":9,"completion_tokens":2}"#))
        events += try relay.events(forData: "[DONE]")
        #expect(events == [.delta("Hel"), .delta("lo")])
        #expect(relay.isDone)
        #expect(relay.finalEvent() == .finished(Usage(promptTokens: 9, completionTokens: 2), .length))
    }

    @Test func usageOnItsOwnChunkAfterTheFinishIsReported() throws {
        var relay = StreamRelay()
        _ = try relay.events(forData: chunk("a", finish: "stop"))
        _ = try relay.events(forData: #"{"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1}}"#)
        #expect(relay.finalEvent() == .finished(Usage(promptTokens: 4, completionTokens: 1), .stop))
    }

    @Test func missingUsageCountsTextChunks() throws {
        var relay = StreamRelay()
        _ = try relay.events(forData: chunk("a"))
        _ = try relay.events(forData: chunk(""))
        _ = try relay.events(forData: chunk("b", finish: "stop"))
        #expect(relay.finalEvent() == .finished(Usage(promptTokens: 0, completionTokens: 2), .stop))
    }

    @Test func aStreamThatNeverSaysHowItEndedHasNoFinalEvent() throws {
        var relay = StreamRelay()
        _ = try relay.events(forData: chunk("a"))
        #expect(relay.finalEvent() == nil)
    }

    @Test func malformedAndErrorEventsThrowBackendErrors() {
        var relay = StreamRelay()
        #expect(throws: BackendError.self) { try relay.events(forData: "{not json") }
        #expect(throws: BackendError.rejected(status: 200, message: "overloaded")) {
            try relay.events(forData: #"{"error":{"message":"overloaded"}}"#)
        }
    }
}
