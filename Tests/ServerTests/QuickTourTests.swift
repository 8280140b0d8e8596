import AtriumTestSupport
import Foundation
import Testing

/// The README's quick tour, run exactly as written: its first `sh` block goes to bash against
/// a fresh `atrium serve` (the real SmolLM2 and MiniLM), with only `OWNER` and `A` given, as a
/// reader would set them. Every answer it prints must be free of errors.
@Suite(.serialized) struct QuickTourTests {
    static let readme = MockUpstream.repositoryRoot.appendingPathComponent("README.md")

    /// The first ```sh block after the "A quick tour" heading.
    static func tour() throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.range(of: "## A quick tour"), "README has no quick tour")
        let rest = text[section.upperBound...]
        let start = try #require(rest.range(of: "```sh\n"))
        let end = try #require(rest[start.upperBound...].range(of: "\n```"))
        return String(rest[start.upperBound..<end.lowerBound])
    }

    @Test func theReadmeQuickTourRunsAsWritten() async throws {
        let model = try #require(EmbeddedModelEndToEndTests.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        let miniLM = try #require(KnowledgeEndToEndTests.miniLMFolder, "all-MiniLM-L6-v2 not fetched")
        let owner = "atr_quick_tour_owner_key_0123456789abcdef"
        let server = try await ServerProcess(
            upstream: nil, extraArguments: ["--model", model, "--embedding-model", miniLM, "--threads", "2"],
            environment: ["ATRIUM_ADMIN_KEY": owner])
        let folder = server.home.appendingPathComponent("tour")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("tour.sh")
        let prologue = "set -euo pipefail\ncd \"$(dirname \"$0\")\"\n"  // the tour runs in its own folder
        try (prologue + Self.tour()).write(to: script, atomically: true, encoding: .utf8)

        let path = ServerProcess.binary.deletingLastPathComponent().path + ":"
            + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let tour = try await ProgramRun.run(
            ["bash", script.path], environment: ["OWNER": owner, "A": server.baseURL, "PATH": path])
        let output = tour.output

        #expect(tour.status == 0, "the tour stopped: \(output.suffix(2000))")
        #expect(!output.contains(#""error":{"#), "an answer of the tour was an error: \(output.suffix(4000))")
        #expect(output.contains(#""object":"chat.completion""#), "the tour chats")
        #expect(output.contains("data: [DONE]"), "the tour streams")
        #expect(output.contains(#""sources":[{"#), "the tour's last answer cites the handbook: \(output.suffix(3000))")
        #expect(output.contains(#""decision":"allow""#), "the tour reads the audit")
        #expect(await server.stop() == 0)
    }
}
