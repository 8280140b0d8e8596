import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// The official OpenAI Python client (`pip install openai`, done by `make setup`) against
/// `atrium serve`: `chat.completions.create` with and without `stream=True`,
/// `models.list()` and `models.retrieve()`.
@Suite(.serialized) struct OpenAIClientTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scripts/openai_client.py")

    static var openAIInstalled: Bool {
        (try? ProgramRun.runBlocking(["python3", "-c", "import openai"]).status) == 0
    }

    @Test(.enabled(if: openAIInstalled, "the openai Python package is not installed (make setup installs it)"))
    func theOfficialClientWorksUnchanged() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(
            upstream: mock.baseURL, extraArguments: ["--model", "mock"],
            environment: ["ATRIUM_ADMIN_KEY": "owner-key-for-openai-test"])
        let client = HTTPClient.shared
        let http = LiveClient(baseURL: server.baseURL, client: client)
        let owner = server.ownerKey
        let key = try await http.memberKey(owner: owner, user: "sue")

        let result = try await ProgramRun.run(
            ["python3", Self.script.path],
            environment: ["ATRIUM_URL": server.baseURL, "ATRIUM_KEY": key, "ATRIUM_MODEL": "mock"])
        #expect(result.status == 0, "\(result.output)")
        let observed = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        #expect(observed["models"] as? [String] == ["mock"])
        #expect(observed["retrieved"] as? String == "mock" && observed["missing_status"] as? Int == 404, "\(observed)")
        #expect(observed["content"] as? String == "Hello from the mock upstream.")
        #expect(observed["usage"] as? Int == 15)
        #expect(observed["streamed"] as? String == "Hello from the mock upstream.")
        #expect(observed["finish_reason"] as? String == "stop")
        #expect(observed["stream_usage"] as? Int == 15)
        #expect(observed["refused_status"] as? Int == 401)
    }
}
