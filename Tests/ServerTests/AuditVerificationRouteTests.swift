import AtriumTestSupport
import Foundation
import Hummingbird
import Server
import Testing

/// `GET /v1/admin/audit/verify`: the walk of `atrium audit verify` over HTTP, for the platform
/// owner alone (the chain spans every tenant); its answer has exactly the documented shape.
@Suite struct AuditVerificationRouteTests {
    @Test func theOwnerSeesTheChainIntactAndEveryOtherReaderIsRefused() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            await world.writer.flush()
            let records = try await world.auditRecords().count
            let answer = try await http.call(.get, "/v1/admin/audit/verify", key: scenario["owner"])
            #expect(answer.status == 200, "\(answer.body)")
            #expect(answer.json["intact"] as? Bool == true)
            #expect((answer.json["records"] as? Int ?? 0) >= records)
            #expect(answer.json.keys.contains("first_break"))
            #expect(answer.json["first_break"] is NSNull)

            let document = try await http.call(.get, "/openapi.json").json
            let schemas = try #require(
                (document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
            let schema = try #require(schemas["AuditVerification"])
            #expect(Set((schema["properties"] as? [String: Any] ?? [:]).keys) == Set(answer.json.keys))

            // A team admin reads its team's audit, but not the whole platform's chain.
            for reader in ["alice", "bob"] {
                let refused = try await http.call(.get, "/v1/admin/audit/verify", key: scenario[reader])
                #expect(refused.status == 403, "\(reader)")
                #expect(refused.isOpenAIError)
            }
        }
    }
}
