import Foundation
import Store
import Tenancy
import Testing

@testable import Gateway

/// What a delivery body shows: the whole record to the raising key's organization and to the
/// owner, nothing that names the other tenant to an organization that only received it.
@Suite struct AlertPayloadTests {
    static let acme = OrganizationID(rawValue: "org_acme")
    static let globex = OrganizationID(rawValue: "org_globex")
    let record: AlertRecord
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-payload-\(UUID().uuidString)")

    init() async throws {
        let store = try AtriumStore(home: directory)
        record = try await store.alerts.record(
            Alert(
                occurredAt: Date(timeIntervalSince1970: 1_800_000_000), kind: .crossTeamAttempt,
                address: "198.51.100.4",
                organizationID: Self.acme, teamID: TeamID(rawValue: "team_sales"), keyPrefix: "atr_AbCdEfGh",
                detail: "chat refused: cross-tenant"))
        try? FileManager.default.removeItem(at: directory)
    }

    func json(_ audience: OrganizationID?) throws -> [String: Any] {
        let data = try AlertPayload(record, audience: audience).data()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theRaisingOrganizationAndTheOwnerSeeTheWholeRecord() throws {
        for audience in [Self.acme, nil] {
            let body = try json(audience)
            #expect(body["id"] as? Int == Int(record.id) && body["kind"] as? String == "cross_team_attempt")
            #expect(body["org"] as? String == "org_acme" && body["team"] as? String == "team_sales")
            #expect(body["key_prefix"] as? String == "atr_AbCdEfGh" && body["address"] as? String == "198.51.100.4")
            #expect(body["occurred_at"] as? String == "2027-01-15T08:00:00.000Z")
        }
    }

    @Test func aTargetedOrganizationNeverLearnsTheAttackersIds() throws {
        let body = try json(Self.globex)
        #expect(body["org"] as? String == "org_globex")
        #expect(body["team"] is NSNull && body["key_prefix"] is NSNull && body["address"] is NSNull)
        let text = String(decoding: try AlertPayload(record, audience: Self.globex).data(), as: UTF8.self)
        #expect(!text.contains("org_acme") && !text.contains("team_sales") && !text.contains("atr_"))
    }

    @Test func retriesDoubleAndStopAtTheLastAttempt() throws {
        let policy = try AlertDeliveryPolicy(maximumAttempts: 6, firstRetry: .seconds(20), timeout: .seconds(10))
        #expect(
            (1...5).map { policy.retryDelay(afterAttempt: $0) } == [20, 40, 80, 160, 320].map { Duration.seconds($0) })
        #expect(policy.retryDelay(afterAttempt: 6) == nil)
        #expect(AlertDeliveryPolicy.standard == policy)
        #expect(throws: AlertDeliveryPolicyError.self) {
            try AlertDeliveryPolicy(maximumAttempts: 0, firstRetry: .seconds(1), timeout: .seconds(1))
        }
    }
}
