import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing
@testable import Store

/// `atrium serve --database postgres://… --migrate` end to end: the real binary in front of the
/// mock upstream, set up and used over HTTP, then `atrium audit verify` on the database.
@Suite struct PostgresServeTests {
    static let ownerKey = "atrium-owner-key-for-postgres-serve-tests"

    @Test func servingOnPostgresAnswersAndLeavesAVerifiableAudit() async throws {
        try await DatabaseCommandTests.withEmptyDatabase { url in
            let mock = try MockUpstream()
            let server = try await ServerProcess(
                upstream: mock.baseURL, extraArguments: ["--model", "mock", "--database", url, "--migrate"],
                environment: ["ATRIUM_ADMIN_KEY": Self.ownerKey])
            let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
            let (key, _) = try await GracefulShutdownTests.salesKey(http, owner: Self.ownerKey)
            for index in 0..<5 {
                let answer = try await http.call(
                    "POST", "/v1/chat/completions", key: key,
                    json: ["model": "default", "messages": [["role": "user", "content": "Question \(index)"]]])
                #expect(answer.status == 200, "\(answer.body)")
            }
            #expect(try await http.call("GET", "/v1/models", key: "atr_not_a_key").status == 401)
            #expect(await server.stop() == 0)
            let verified = try await DatabaseCommandTests.atrium(["audit", "verify", "--database", url])
            #expect(verified.status == 0 && verified.output.contains("audit chain intact"), "\(verified.output)")
        }
    }
}
