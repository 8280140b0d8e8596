import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// A streamed chat completion over real HTTP, read as it arrives: tests can wait until it is
/// generating, act (send a signal), then collect the rest.
final class StreamedChat: Sendable {
    private let received = Mutex("")
    private let requestID = Mutex<String?>(nil)
    private let task = Mutex<Task<String, any Error>?>(nil)

    /// Starts `POST /v1/chat/completions` with `stream: true` and usage in the last chunk.
    static func start(baseURL: String, key: String, prompt: String, maxTokens: Int) -> StreamedChat {
        let chat = StreamedChat()
        let body: [String: Any] = [
            "model": "default", "stream": true, "stream_options": ["include_usage": true], "max_tokens": maxTokens,
            "temperature": 0, "messages": [["role": "user", "content": prompt]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        chat.task.withLock {
            $0 = Task {
                var request = HTTPClientRequest(url: baseURL + "/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(key)")
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: data))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
                chat.requestID.withLock { $0 = response.headers.first(name: "x-request-id") }
                for try await buffer in response.body {
                    chat.received.withLock { $0 += String(buffer: buffer) }
                }
                return chat.text
            }
        }
        return chat
    }

    /// Everything received so far.
    var text: String { received.withLock { $0 } }
    var id: String? { requestID.withLock { $0 } }

    /// Text events received so far (the first event only names the role).
    var contentEvents: Int { text.components(separatedBy: #""content":""#).count - 1 }

    /// Hangs up: the client goes away mid-stream, closing its connection.
    func disconnect() {
        task.withLock { $0 }?.cancel()
    }

    /// Waits until the whole stream has arrived (or failed).
    func finished() async throws -> String {
        guard let task = task.withLock({ $0 }) else { return text }
        return try await task.value
    }

    /// The usage of the final chunk.
    var completionTokens: Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("data: {") {
            let json = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
            if let usage = json?["usage"] as? [String: Any], let tokens = usage["completion_tokens"] as? Int { return tokens }
        }
        return nil
    }

    /// Polls until every chat has streamed at least `events` text events.
    static func waitUntilGenerating(_ chats: [StreamedChat], events: Int = 2, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while chats.contains(where: { $0.contentEvents < events }) {
            guard ContinuousClock.now < deadline else { throw StreamedChatError.notGenerating(chats.map(\.text)) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

enum StreamedChatError: Error {
    case notGenerating([String])
}
