import Console
import Foundation
import HTTPTypes
import Testing

/// `GET|PUT /v1/admin/orgs/{org}/sso/mappings`: validated (a 400 naming the entry's field),
/// bounded, and only teams of the organization (who may call it is the permission matrix's).
@Suite struct SingleSignOnMappingTests {
    @Test func mappingsAreStoredAndReadBackWithTheirTeams() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            let saved = try await fixture.putMappings(
                browser, #"{"mappings":[{"group":"Sales Engineers","team":"sales","role":"admin"}]}"#,
                key: fixture.keys["dave"]!)
            #expect(saved.status == 200, "\(saved.body)")
            let read = try await browser.send(
                .get, "/v1/admin/orgs/acme/sso/mappings", body: "",
                headers: [.authorization: "Bearer \(fixture.keys["owner"]!)"])
            #expect(read.status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(read.body.utf8)) as? [String: Any])
            let mappings = try #require(json["mappings"] as? [[String: Any]])
            #expect(mappings.count == 1)
            #expect(mappings.first?["group"] as? String == "Sales Engineers")
            #expect(mappings.first?["team_name"] as? String == "sales")
            let sales = try await fixture.world.teamID("acme/sales")
            #expect(mappings.first?["team"] as? String == sales)
            #expect(mappings.first?["role"] as? String == "team_admin")
        }
    }

    @Test(arguments: [
        (#"{"mappings":[{"group":"g","team":"sales","role":"owner"}]}"#, "mappings[0].role"),
        (#"{"mappings":[{"group":"g","team":"sales","role":"member"},{"group":"","team":"sales","role":"member"}]}"#,
         "mappings[1].group"),
        (#"{"mappings":[{"group":"g\u0000x","team":"sales","role":"member"}]}"#, "mappings[0].group"),
        (#"{"mappings":[{"group":"g","team":"no-such-team","role":"member"}]}"#, "mappings[0].team"),
        (#"{"mappings":[{"group":"g","team":"globex/research","role":"member"}]}"#, "mappings[0].team"),
        (#"{"mappings":[{"group":"g","team":"sales","role":"member"},{"group":"g","team":"acme/sales","role":"viewer"}]}"#,
         "mappings[1]"),
    ])
    func badEntriesAreRefusedNamingTheField(body: String, field: String) async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            let owner = fixture.keys["owner"]!
            _ = try await browser.send(
                .post, "/v1/admin/orgs", body: #"{"name":"globex"}"#,
                headers: [.authorization: "Bearer \(owner)", .contentType: "application/json"])
            _ = try await browser.send(
                .post, "/v1/admin/orgs/globex/teams", body: #"{"name":"research"}"#,
                headers: [.authorization: "Bearer \(owner)", .contentType: "application/json"])
            let answer = try await fixture.putMappings(browser, body, key: fixture.keys["dave"]!)
            #expect(answer.status == 400, "\(answer.body)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            let error = try #require(json["error"] as? [String: Any])
            #expect(error["param"] as? String == field, "\(answer.body)")
            #expect(!answer.body.contains("research"), "nothing about another organization's team")
        }
    }

    @Test func tooManyMappingsAreRefused() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            let entries = (0...256).map { #"{"group":"g\#($0)","team":"sales","role":"member"}"# }
            let answer = try await fixture.putMappings(
                browser, #"{"mappings":["# + entries.joined(separator: ",") + "]}", key: fixture.keys["dave"]!)
            #expect(answer.status == 400)
            #expect(answer.body.contains(#""param":"mappings""#))
        }
    }
}
