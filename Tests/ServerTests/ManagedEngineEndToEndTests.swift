import AtriumTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `atrium serve --engine llama-server` with `scripts/test-engine` standing in for llama.cpp's
/// server (it takes the same flags): the engine is started and fronted, answers 503 with
/// `Retry-After` while it is down, is restarted after it exits, and stops with the server.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ManagedEngineEndToEndTests {
    @Test func theManagedEngineIsRestartedAfterItExitsAndStopsWithTheServer() async throws {
        let server = try await ServerProcess(
            upstream: nil,
            extraArguments: [
                "--engine", "llama-server", "--engine-command", TestEngineProcess.script.path,
                "--model", "/models/test-model.gguf", "--upstream-concurrency", "2", "--health-check-interval", "0.2",
                // The stand-in exits when its third request starts.
                "--engine-argument=--fail-after", "--engine-argument=2",
            ])
        let http = LiveExchange(baseURL: server.baseURL)
        let sue = try await http.member(owner: server.ownerKey, org: "acme", team: "sales", user: "sue", role: "member")
        func chat() async throws -> LiveExchange.Answer {
            try await http.call(
                "POST", "/v1/chat/completions", key: sue.key,
                json: ["model": "test-model", "messages": [["role": "user", "content": "Hello"]], "max_tokens": 3])
        }
        let models = try await http.call("GET", "/v1/models", key: sue.key)
        #expect(models.data.contains { $0["id"] as? String == "test-model" }, "\(models.body)")
        #expect(try await chat().status == 200)
        #expect(try await chat().status == 200)

        // The engine dies under the third request: a clear 503, nothing hangs.
        let cut = try await chat()
        #expect(cut.status == 503, "\(cut.body)")
        #expect(cut.retryAfter != nil)

        // It is restarted (after a backoff) and serves again.
        var ready = try await http.call("GET", "/readyz")
        let deadline = ContinuousClock.now + .seconds(60)
        while ready.status != 200 || !server.log.contains("engine restarted"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            ready = try await http.call("GET", "/readyz")
        }
        #expect(ready.status == 200, "\(ready.body)")
        #expect(try await chat().status == 200)
        #expect(server.log.contains("engine exited; restarting"))

        // SIGTERM stops the server and its engine.
        let pid = try #require(Self.lastEnginePID(in: server.log))
        #expect(kill(pid, 0) == 0, "the engine runs")
        // The engine got the machine's environment but none of Atrium's settings (the server
        // runs with ATRIUM_HOME set).
        let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
        let names = environ.split(separator: 0).compactMap { String(decoding: $0, as: UTF8.self).split(separator: "=").first }
        #expect(names.contains("PATH"), "\(names)")
        #expect(!names.contains { $0.hasPrefix("ATRIUM_") }, "\(names)")
        #expect(await server.stop() == 0)
        var gone = false
        for _ in 0..<100 where !gone {
            gone = kill(pid, 0) != 0
            if !gone { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(gone, "the engine stopped with the server")
    }

    @Test func aMissingEngineIsNamedAtStart() async throws {
        await #expect {
            _ = try await ServerProcess(
                upstream: nil,
                extraArguments: ["--engine", "vllm", "--engine-command", "/nonexistent/vllm", "--model", "some/model"])
        } throws: { error in
            "\(error)".contains("--engine-command")
        }
    }

    /// An engine that dies while it loads (a crash, a wrong flag) is named with its status at
    /// once, not after the whole start timeout as one that never answered.
    @Test func anEngineThatExitsBeforeItAnswersIsNamedWithItsStatus() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString)")
        try Data("#!/bin/sh\necho 'loading the model…' >&2\nexit 3\n".utf8).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        defer { try? FileManager.default.removeItem(at: script) }
        let started = ContinuousClock.now
        await #expect {
            _ = try await ServerProcess(
                upstream: nil,
                extraArguments: ["--engine", "llama-server", "--engine-command", script.path, "--model", "/models/m.gguf"])
        } throws: { error in
            "\(error)".contains("exited (status 3") && "\(error)".contains("loading the model")
        }
        #expect(started.duration(to: .now) < .seconds(60), "not the start timeout")
    }

    private static func lastEnginePID(in log: String) -> pid_t? {
        guard let range = log.range(of: "pid=", options: .backwards) else { return nil }
        return pid_t(log[range.upperBound...].prefix { $0.isNumber })
    }
}
