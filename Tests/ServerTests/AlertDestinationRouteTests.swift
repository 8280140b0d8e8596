import AtriumTestSupport
import Foundation
import Hummingbird
import Testing

/// Alert destinations over the admin API: another organization's destinations answer exactly
/// like missing ones, a team admin sends only its own team's alerts, the signing secret is
/// shown once, and a bad URL is a clear 400.
@Suite struct AlertDestinationRouteTests {
    static let hook = "https://hooks.example.com/atrium"

    @Test func acmeAdminCannotSeeAddOrDeleteGlobexDestinationsAndGetsTheSame404AsForMissing() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let dave = scenario["dave"]
            let erin = scenario["erin"]
            let globex = try await http.call(
                .post, "/v1/admin/orgs/globex/alert-destinations", key: erin, json: ["url": Self.hook])
            #expect(globex.status == 201)
            let id = try #require(globex.json["id"] as? String)

            let list = try await http.call(.get, "/v1/admin/orgs/globex/alert-destinations", key: dave)
            let add = try await http.call(
                .post, "/v1/admin/orgs/globex/alert-destinations", key: dave, json: ["url": Self.hook])
            let delete = try await http.call(.delete, "/v1/admin/orgs/globex/alert-destinations/\(id)", key: dave)
            let missingOrg = try await http.call(.get, "/v1/admin/orgs/nosuch/alert-destinations", key: dave)
            for answer in [list, add, delete, missingOrg] {
                #expect(answer.status == 404 && answer.errorCode == "not_found", "\(answer.body)")
            }
            // Through its own organization's path, globex's id is as unknown as a made-up one.
            let viaAcme = try await http.call(.delete, "/v1/admin/orgs/acme/alert-destinations/\(id)", key: dave)
            let madeUp = try await http.call(
                .delete, "/v1/admin/orgs/acme/alert-destinations/dst_doesnotexist", key: dave)
            #expect(viaAcme.status == 404 && madeUp.status == 404)
            #expect(viaAcme.errorMessage == madeUp.errorMessage?.replacingOccurrences(of: "dst_doesnotexist", with: id))
            let stillThere = try await http.call(.get, "/v1/admin/orgs/globex/alert-destinations", key: erin)
            #expect(stillThere.data.map { $0["id"] as? String } == [id])
            #expect(try await http.call(.get, "/v1/admin/orgs/acme/alert-destinations", key: dave).data.isEmpty)
        }
    }

    @Test func teamAdminSendsOnlyItsOwnTeamsAlerts() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let alice = scenario["alice"]
            let dave = scenario["dave"]
            let path = "/v1/admin/orgs/acme/alert-destinations"
            let organizationWide = try await http.call(.post, path, key: alice, json: ["url": Self.hook])
            #expect(organizationWide.status == 403, "a team admin does not receive the whole organization's alerts")
            let otherTeam = try await http.call(
                .post, path, key: alice, json: ["url": Self.hook, "teams": ["development"]])
            #expect(otherTeam.status == 404)
            let both = try await http.call(
                .post, path, key: alice, json: ["url": Self.hook, "teams": ["sales", "development"]])
            #expect(both.status == 404)
            let own = try await http.call(
                .post, path, key: alice, json: ["url": Self.hook, "teams": ["sales"], "name": "pager"])
            #expect(own.status == 201)
            #expect(own.json["teams"] as? [String] == [scenario.ids["sales"]!])

            let daves = try await http.call(
                .post, path, key: dave, json: ["url": Self.hook, "kinds": ["role_escalation"]])
            #expect(daves.status == 201)
            let alicesView = try await http.call(.get, path, key: alice)
            #expect(alicesView.data.map { $0["id"] as? String } == [own.json["id"] as? String])
            #expect(try await http.call(.get, path, key: dave).data.count == 2)
            #expect(try await http.call(.get, path, key: scenario["carol"]).data.isEmpty)
            let deleteDaves = try await http.call(.delete, "\(path)/\(daves.json["id"] as! String)", key: alice)
            #expect(deleteDaves.status == 404, "not hers to see, so not hers to delete")
            #expect(try await http.call(.delete, "\(path)/\(own.json["id"] as! String)", key: alice).status == 204)
        }
    }

    @Test func theSecretIsShownOnceAndNeverListed() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let created = try await http.call(
                .post, "/v1/admin/orgs/acme/alert-destinations", key: scenario["dave"], json: ["url": Self.hook])
            let secret = try #require(created.json["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && secret.count > 40)
            for key in [scenario["dave"], scenario["owner"]] {
                let listed = try await http.call(.get, "/v1/admin/orgs/acme/alert-destinations", key: key)
                #expect(listed.status == 200 && listed.data.count == 1)
                #expect(!listed.body.contains(secret) && listed.data[0]["secret"] == nil)
                let delivery = try #require(listed.data[0]["delivery"] as? [String: Any])
                #expect(delivery["pending"] as? Int == 0 && delivery["abandoned"] as? Int == 0)
            }
            let audit = try await world.auditRecords()
            #expect(audit.contains { $0.action == "alerts.destinations.manage" && $0.allowed })
        }
    }

    @Test func badDestinationsAreA400NamingTheProblem() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let path = "/v1/admin/orgs/acme/alert-destinations"
            let cases: [([String: Any], String)] = [
                (["url": "ftp://hooks.example.com/x"], "http or https"),
                (["url": "https://hooks.example.com/a\u{1}b"], "control characters"),
                (["url": "https://hooks.example.com/a\nb"], "control characters"),
                (["url": "not a url"], "url"),
                (["url": "https://user:secret@hooks.example.com/"], "password"),
                (["url": Self.hook, "kinds": ["brute_force"]], "unknown alert kind"),
                (["url": Self.hook, "name": "a\u{7}b"], "control characters"),
            ]
            for (body, reason) in cases {
                let answer = try await http.call(.post, path, key: scenario["dave"], json: body)
                #expect(answer.status == 400, "\(body): \(answer.body)")
                #expect(answer.errorMessage?.contains(reason) == true, "\(body): \(answer.body)")
            }
            let platformWithTeams = try await http.call(
                .post, "/v1/admin/alert-destinations", key: scenario["owner"],
                json: ["url": Self.hook, "teams": ["sales"]])
            #expect(platformWithTeams.status == 400)
            #expect(try await http.call(.get, path, key: scenario["dave"]).data.isEmpty, "nothing was created")
        }
    }
}
