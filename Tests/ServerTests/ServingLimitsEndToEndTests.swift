import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// The embedded engine's limits on `atrium serve`, with the real SmolLM2 over HTTP: one slot,
/// a request that waits for it longer than `--queue-timeout` gets a clear 503 (streamed or
/// not), and a client that hangs up mid-stream gives its slot back at once.
@Suite(.serialized) struct ServingLimitsEndToEndTests {
    static let ownerKey = "atrium-owner-key-for-serving-limits"
    // Greedy SmolLM2 repeats itself in this story until the token limit: thousands of tokens,
    // far longer than the queue timeout, unless the slot is freed.
    static let endlessPrompt = "Write a very long story about a comet."

    @Test func aWaitBeyondTheQueueTimeoutIs503AndAHangUpFreesTheSlot() async throws {
        let model = try #require(EmbeddedModelEndToEndTests.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        let server = try await ServerProcess(
            upstream: nil,
            extraArguments: [
                "--model", model, "--threads", "2", "--max-sequences", "1", "--reserved-sequences", "0",
                "--queue-timeout", "8", "--response-cache-bytes", "0",
            ],
            environment: ["ATRIUM_ADMIN_KEY": Self.ownerKey])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let (key, _) = try await GracefulShutdownTests.salesKey(http, owner: Self.ownerKey)
        let profile = try await http.call(
            "PUT", "/v1/admin/teams/sales/profile", key: key,
            json: ["system_prompt": "You are a patient assistant who counts.", "max_tokens": 4000])
        #expect(profile.status == 200, "the profile lets a reply run to 4000 tokens: \(profile.body)")
        let short: [String: Any] = ["model": "default", "max_tokens": 4, "messages": [["role": "user", "content": "Hi"]]]

        let holder = StreamedChat.start(baseURL: server.baseURL, key: key, prompt: Self.endlessPrompt, maxTokens: 4000)
        try await StreamedChat.waitUntilGenerating([holder])
        let waited = try await http.call("POST", "/v1/chat/completions", key: key, json: short)
        #expect(waited.status == 503, "\(waited.body)")
        let message = (waited.json["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.contains("overloaded") || message.contains("waited"), "\(waited.body)")
        var streamed = short
        streamed["stream"] = true
        let waitedStream = try await http.call("POST", "/v1/chat/completions", key: key, json: streamed)
        #expect(waitedStream.status == 503, "a stream refused before its first token has the status too: \(waitedStream.body)")
        #expect(waitedStream.headers["retry-after"] == "1")
        #expect(!holder.text.contains("[DONE]"), "the slot was still taken while the requests waited")

        // Still held, the slot would stay taken for the story's 4000 tokens, far past the 8 s
        // the next request may wait: its 200 shows the hang-up gave the slot back.
        holder.disconnect()
        let after = try await http.call("POST", "/v1/chat/completions", key: key, json: short)
        #expect(after.status == 200, "the hang-up freed the only slot: \(after.body)")
        #expect(await server.stop() == 0)
    }

    @Test func impossibleLimitsAreRefusedAtStart() async throws {
        for (arguments, complaint) in [
            (["--max-sequences", "0"], "--max-sequences must be 1 to 4096"),
            (["--max-batch-tokens", "8", "--max-sequences", "16"], "--max-batch-tokens (8) must be at least"),
            (["--queue-timeout", "0"], "--queue-timeout must be a positive number"),
            (["--kv-cache-bytes", "lots"], "--kv-cache-bytes"),
        ] {
            let refused = try await ProgramRun.run([ServerProcess.binary.path, "serve"] + arguments)
            #expect(refused.status != 0, "\(arguments)")
            #expect(refused.output.contains(complaint), "\(arguments): \(refused.output)")
        }
    }

    /// Every number `serve` reads has an upper bound too: a block of `Int.max` seconds started,
    /// and the first request from a blocked address trapped converting its Retry-After; sums
    /// and conversions of the other values trapped at start or later. Each is refused with
    /// its name, never by the runtime.
    @Test func extremeNumbersAreRefusedAtStartByName() async throws {
        let huge = "9223372036854775807"
        for (option, value) in [
            ("--block-seconds", huge), ("--block-window", huge), ("--block-after", huge),
            ("--shutdown-grace-seconds", huge), ("--response-cache-ttl", huge), ("--audit-retention-days", huge),
            ("--threads", huge), ("--max-sequences", huge), ("--reserved-sequences", huge),
            ("--max-batch-tokens", huge), ("--max-context", huge), ("--max-queued", huge),
            ("--queue-timeout", "1e300"), ("--queue-timeout", "inf"), ("--queue-timeout", "nan"),
        ] {
            // A home that cannot exist: should a value pass, the server stops at once, never serves.
            let refused = try await ProgramRun.run(
                [ServerProcess.binary.path, "serve", option, value], environment: ["ATRIUM_HOME": "/dev/null/never"])
            #expect(refused.status != 0, "\(option) \(value)")
            #expect(refused.output.contains("\(option) must be"), "\(option) \(value): \(refused.output)")
            #expect(!refused.output.contains("runtime failure"), "\(option) \(value): \(refused.output)")
        }
    }
}
