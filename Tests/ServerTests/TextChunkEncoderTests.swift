import Foundation
@testable import Gateway
import NIOCore
@testable import Server
import Testing

/// The streamed text chunks written without `JSONEncoder` say exactly what the encoded
/// ``ChatCompletionChunk`` says, for any text a model may produce.
@Suite struct TextChunkEncoderTests {
    private static func execution(cached: Bool) -> ChatExecution {
        ChatExecution(
            id: "chatcmpl-0123456789abcdef", created: 1_733_360_000, model: #"team "m"/v1\x"#, sources: [],
            cacheHit: cached ? .exact : nil, events: GenerationEvents([]), guardsAnswer: false,
            generation: GenerationHandle(task: Task {}))
    }

    /// The JSON object inside one `data: …\n\n` event.
    private static func object(_ event: ByteBuffer) throws -> NSDictionary {
        let text = String(buffer: event)
        #expect(text.hasPrefix("data: ") && text.hasSuffix("\n\n"))
        let json = Data(text.dropFirst(6).dropLast(2).utf8)
        return try #require(try JSONSerialization.jsonObject(with: json) as? NSDictionary)
    }

    @Test(arguments: [
        "Hello", "", " ", #"say "hi""#, #"C:\path\"#, "a/b</script>", "line\nbreak\r\ttab",
        "\u{0}\u{1}\u{8}\u{C}\u{1F}\u{7F}", "héllo wörld", "日本語", "🙂👩‍👩‍👧", "\u{2028}\u{2029}",
        String(repeating: "x\"", count: 500),
    ])
    func aTextChunkSaysWhatTheEncodedChunkSays(text: String) throws {
        for cached in [false, true] {
            for includeUsage in [false, true] {
                let execution = Self.execution(cached: cached)
                var fast = ByteBuffer()
                TextChunkEncoder(execution: execution, includeUsage: includeUsage).write(text: text, to: &fast)
                let encoded = ChatCompletionChunk(
                    execution: execution, payload: .text(text), includeUsage: includeUsage)
                var reference = ByteBuffer(string: "data: ")
                reference.writeImmutableBuffer(try JSONOutput.encode(encoded))
                reference.writeString("\n\n")
                #expect(try Self.object(fast) == Self.object(reference), "\(text.debugDescription)")
                let choices = try #require(try Self.object(fast)["choices"] as? [NSDictionary])
                #expect((choices.first?["delta"] as? NSDictionary)?["content"] as? String == text)
            }
        }
    }
}
