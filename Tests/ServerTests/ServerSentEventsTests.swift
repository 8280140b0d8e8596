import Foundation
@testable import Gateway
import Hummingbird
import NIOCore
@testable import Server
import Synchronization
import Testing

/// The streamed answer's writer: events pending together leave in one write, each still its
/// own server-sent event, in order; a failure before the first event is the HTTP status.
@Suite struct ServerSentEventsTests {
    /// Records every write, as the connection would send it.
    private struct RecordingWriter: ResponseBodyWriter {
        let box: Box

        mutating func write(_ buffer: ByteBuffer) async throws {
            box.writes.withLock { $0.append(String(buffer: buffer)) }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    private final class Box: Sendable {
        let writes = Mutex<[String]>([])
    }

    private static func execution(_ events: GenerationEvents) -> ChatExecution {
        ChatExecution(
            id: "chatcmpl-0123456789abcdef", created: 1_733_360_000, model: "m", sources: [], cacheHit: nil,
            events: events, guardsAnswer: false, generation: GenerationHandle(task: Task {}))
    }

    /// The `data:` payloads of a write, in order.
    private static func payloads(_ write: String) -> [String] {
        write.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map {
            #expect($0.hasPrefix("data: "))
            return String($0.dropFirst(6))
        }
    }

    private static func content(_ payload: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any],
            let choice = (object["choices"] as? [[String: Any]])?.first, let delta = choice["delta"] as? [String: Any]
        else { return nil }
        return delta["content"] as? String
    }

    private func written(_ execution: ChatExecution, into box: Box = Box()) async throws -> [String] {
        let response = try await ServerSentEvents.response(for: execution, includeUsage: false)
        try await response.body.write(RecordingWriter(box: box))
        return box.writes.withLock { $0 }
    }

    @Test func eventsPendingTogetherLeaveInOneWriteEachItsOwnEvent() async throws {
        let usage = Usage(promptTokens: 4, completionTokens: 3)
        let events = GenerationEvents([.delta("Hel"), .delta("lo"), .delta(" \"you\""), .finished(usage, .stop)])
        let writes = try await written(Self.execution(events))
        // The role chunk, three text chunks and the finish in the first write; [DONE] after.
        #expect(writes.count == 2)
        let first = Self.payloads(writes[0])
        #expect(first.count == 5)
        #expect(first.map(Self.content) == ["", "Hel", "lo", " \"you\"", nil])
        #expect(first[4].contains(#""finish_reason":"stop""#))
        #expect(writes[1] == "data: [DONE]\n\n")
    }

    @Test func aTokenLeavesAtOnceWithoutWaitingForOthers() async throws {
        let events = GenerationEvents()
        events.yield(.delta("one"))
        let box = Box()
        let producer = Task {
            // The next token comes only once the first was written: a writer that waited to
            // fill a batch would never write it.
            let deadline = ContinuousClock.now + .seconds(10)
            while !box.writes.withLock({ $0.joined().contains(#""one""#) }) {
                guard ContinuousClock.now < deadline else { throw CancellationError() }
                try await Task.sleep(for: .milliseconds(5))
            }
            events.yield(.delta("two"))
            events.yield(.finished(Usage(promptTokens: 1, completionTokens: 2), .length))
            events.finish()
        }
        let writes = try await written(Self.execution(events), into: box)
        try await producer.value
        #expect(Self.payloads(writes[0]).map(Self.content) == ["", "one"])
        #expect(writes.dropFirst().flatMap { Self.payloads($0) }.map(Self.content) == ["two", nil, nil])
        #expect(writes.last == "data: [DONE]\n\n")
    }

    @Test func aFailureBeforeTheFirstEventIsTheStatusAndAfterItAnErrorEvent() async throws {
        await #expect(throws: GatewayError.self) {
            _ = try await ServerSentEvents.response(
                for: Self.execution(GenerationEvents([], failure: GatewayError.from(BackendError.busy("full")))),
                includeUsage: false)
        }
        let writes = try await written(
            Self.execution(GenerationEvents([.delta("partial")], failure: BackendError.unreachable("gone"))))
        let payloads = writes.flatMap { Self.payloads($0) }
        #expect(payloads.compactMap(Self.content) == ["", "partial"])
        #expect(payloads.last?.contains(#""error""#) == true)
        #expect(!writes.joined().contains("[DONE]"))
    }
}
