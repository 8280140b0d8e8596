import AtriumTestSupport
import Foundation
import Hummingbird
import Store
import Testing

/// What a refused admin request leaves behind — its answer, its audit record, its alert —
/// names only what the caller sent and may see; other organizations' users are missing ones;
/// a cross-team attempt reaches the targeted team's admins.
@Suite struct AdminIsolationRouteTests {
    @Test func deniedRequestsAuditOnlyWhatTheCallerSentWhileOwnTeamRequestsNameTheTeam() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let research = try await KeyRouteTests.researchID(http, owner: keys["owner"])
            let globex = try #require(keys.ids["globex"])
            let probes: [(HTTPRequest.Method, String, String, [String: Any]?)] = [
                (.get, "/v1/admin/teams/globex%2Fresearch/profile", "alice", nil),
                (.get, "/v1/admin/teams/globex%2Fresearch/limits", "dave", nil),
                (.put, "/v1/admin/teams/globex%2Fresearch/members/bob", "dave", ["role": "member"]),
                (.get, "/v1/admin/orgs/globex/teams", "dave", nil),
                (.post, "/v1/admin/orgs/globex/teams", "dave", ["name": "spies"]),
                (.post, "/v1/admin/keys", "dave", ["user": "alice", "team": "research", "org": "globex"]),
                (.get, "/v1/admin/audit?team=globex/research", "alice", nil),
            ]
            for (method, path, holder, body) in probes {
                let answer = try await http.call(method, path, key: keys[holder], json: body)
                #expect(answer.status == 404, "\(path): \(answer.status)")
                #expect(!answer.body.contains(research) && !answer.body.contains(globex), "\(path): \(answer.body)")
            }
            _ = try await http.call(.get, "/v1/admin/teams/acme%2Fsales/profile", key: keys["alice"])
            await world.writer.flush()
            for holder in ["alice", "dave"] {
                let own = try await http.call(.get, "/v1/admin/audit?limit=1000", key: keys[holder])
                #expect(own.status == 200)
                #expect(!own.body.contains(research) && !own.body.contains(globex), "\(holder)'s audit names globex's ids")
                #expect(own.data.contains { $0["reason"] as? String == "cross_team_attempt" })
            }
            let records = try await world.auditRecords()
            let probe = try #require(records.first { $0.action == "profile.read" && $0.resource.contains("globex/research") })
            #expect(probe.resource == "team 'globex/research'")
            let sales = try #require(keys.ids["sales"])
            #expect(records.contains { $0.action == "profile.read" && $0.resource.contains(sales) }, "own team: its id")

            // A missing team leaves the same trace as another organization's: same answer,
            // same reason, same words — the caller's own audit cannot tell them apart.
            let missing = try await http.call(.get, "/v1/admin/teams/globex%2Fnothing/profile", key: keys["alice"])
            #expect(missing.status == 404 && missing.errorMessage == "team 'globex/nothing' not found")
            let traces = try await world.auditRecords().filter { $0.action == "profile.read" && $0.resource.contains("globex/") }
            #expect(Set(traces.map(\.reason)) == ["cross_team_attempt"] && traces.count == 2, "\(traces.map(\.resource))")
            #expect(Set(traces.map(\.resource)) == ["team 'globex/research'", "team 'globex/nothing'"])
        }
    }

    @Test func otherOrganizationsUsersAnswerLikeMissingOnesWhileOwnUsersAreAdded() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let erin = try #require(keys.ids["erin"])
            for user in ["erin", erin, "nobody"] {
                let member = try await http.call(
                    .put, "/v1/admin/teams/acme%2Fsales/members/\(user)", key: keys["alice"], json: ["role": "viewer"])
                #expect(member.status == 404 && member.errorMessage == "user '\(user)' not found", "\(member.body)")
                let key = try await http.call(.post, "/v1/admin/keys", key: keys["alice"], json: ["user": user, "team": "acme/sales"])
                #expect(key.status == 404 && key.errorMessage == "user '\(user)' not found", "\(key.body)")
            }
            // A name used in another organization is free here, and reveals nothing.
            let twin = try await http.call(.post, "/v1/admin/users", key: keys["alice"], json: ["name": "erin"])
            #expect(twin.status == 201, "\(twin.body)")
            #expect(twin.json["id"] as? String != erin)
            let taken = try await http.call(.post, "/v1/admin/users", key: keys["alice"], json: ["name": "bob"])
            #expect(taken.status == 409, "a name in the caller's own organization is taken")
            // Another organization as "org" answers like a missing one.
            let elsewhere = try await http.call(.post, "/v1/admin/users", key: keys["alice"], json: ["name": "x", "org": "globex"])
            let nowhere = try await http.call(.post, "/v1/admin/users", key: keys["alice"], json: ["name": "x", "org": "nowhere"])
            #expect(elsewhere.status == 404 && nowhere.status == 404)
            #expect(elsewhere.errorMessage == "organization 'globex' not found")

            // The caller's own organization's users: added and keyed.
            let own = try await http.call(.post, "/v1/admin/users", key: keys["alice"], json: ["name": "newbie"])
            #expect(own.status == 201)
            let added = try await http.call(
                .put, "/v1/admin/teams/acme%2Fsales/members/newbie", key: keys["alice"], json: ["role": "viewer"])
            #expect(added.status == 200, "\(added.body)")
            let minted = try await http.call(.post, "/v1/admin/keys", key: keys["alice"], json: ["user": "newbie", "team": "acme/sales"])
            #expect(minted.status == 201, "\(minted.body)")

            // The owner brings a user into another organization; its admins see them from then on.
            let zoe = try await http.call(.post, "/v1/admin/users", key: keys["erin"], json: ["name": "zoe"])
            let zoeID = try #require(zoe.json["id"] as? String)
            #expect(try await http.call(.put, "/v1/admin/orgs/acme/users/\(zoeID)", key: keys["dave"]).status == 404)
            #expect(try await http.call(.put, "/v1/admin/orgs/acme/users/\(zoeID)", key: keys["owner"]).status == 200)
            let now = try await http.call(.put, "/v1/admin/teams/acme%2Fsales/members/zoe", key: keys["alice"], json: ["role": "viewer"])
            #expect(now.status == 200, "\(now.body)")
            // acme already has an erin (alice's): globex's erin cannot join under the same name.
            #expect(try await http.call(.put, "/v1/admin/orgs/acme/users/\(erin)", key: keys["owner"]).status == 409)

            // On an organization's routes the owner's bare names are that organization's users:
            // globex's carol is not picked up, and joined, by a name acme does not have
            // (attack round 5); by id or as globex/carol she is named on purpose.
            let carol = try await http.call(.post, "/v1/admin/users", key: keys["erin"], json: ["name": "carolyn"])
            let carolID = try #require(carol.json["id"] as? String)
            #expect(try await http.call(.put, "/v1/admin/orgs/acme/admins/carolyn", key: keys["owner"]).status == 404)
            let member = try await http.call(
                .put, "/v1/admin/teams/acme%2Fsales/members/carolyn", key: keys["owner"], json: ["role": "viewer"])
            #expect(member.status == 404, "\(member.body)")
            #expect(try await http.call(.put, "/v1/admin/orgs/acme/admins/globex%2Fcarolyn", key: keys["owner"]).status == 200)
            #expect(try await http.call(.delete, "/v1/admin/orgs/acme/admins/\(carolID)", key: keys["owner"]).status == 204)
        }
    }

    @Test func crossTeamAlertsReachTheTargetedTeamsAdminsWithoutIdsForTheAttacker() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let research = try await KeyRouteTests.researchID(http, owner: keys["owner"])
            let globex = try #require(keys.ids["globex"])
            let sales = try #require(keys.ids["sales"])
            #expect(try await http.call(.get, "/v1/admin/teams/globex%2Fresearch/profile", key: keys["alice"]).status == 404)

            let target = try await http.call(.get, "/v1/admin/alerts", key: keys["erin"])
            let seen = try #require(target.data.first { $0["kind"] as? String == "cross_team_attempt" }, "\(target.body)")
            #expect(seen["target_team_id"] as? String == research && seen["target_org_id"] as? String == globex)
            #expect(!target.body.contains(sales), "the targeted side does not learn the attacker's team id")

            for attackerSide in ["dave", "alice"] {
                let own = try await http.call(.get, "/v1/admin/alerts", key: keys[attackerSide])
                let alert = try #require(own.data.first { $0["kind"] as? String == "cross_team_attempt" }, "\(own.body)")
                #expect(alert["team_id"] as? String == sales)
                #expect(!own.body.contains(research) && !own.body.contains(globex), "\(attackerSide): \(own.body)")
            }
            let owner = try await http.call(.get, "/v1/admin/alerts", key: keys["owner"])
            let full = try #require(owner.data.first { $0["kind"] as? String == "cross_team_attempt" })
            #expect(full["team_id"] as? String == sales && full["target_team_id"] as? String == research)
            // A team outside both sides sees nothing of it.
            let bystander = try await http.call(.get, "/v1/admin/alerts", key: keys["carol"])
            #expect(!bystander.data.contains { $0["kind"] as? String == "cross_team_attempt" })
        }
    }

    @Test func queryTeamClaimIsCheckedBeforeTheRateLimit() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let limits = try await http.call(
                .put, "/v1/admin/teams/acme%2Fsales/limits", key: keys["dave"], json: ["requests_per_minute": 1])
            #expect(limits.status == 200)
            #expect(try await http.call(.post, "/query", key: keys["bob"], json: ["prompt": "Hi"]).status == 200)
            let ownClaim = try await http.call(.post, "/query", key: keys["bob"], json: ["prompt": "Hi", "team": "acme/sales"])
            #expect(ownClaim.status == 429, "own team, over the limit: \(ownClaim.body)")
            let spoof = try await http.call(.post, "/query", key: keys["bob"], json: ["prompt": "Hi", "team": "acme/development"])
            #expect(spoof.status == 403 && spoof.errorCode == "cross_team_attempt", "\(spoof.body)")
            let alerts = try await http.call(.get, "/v1/admin/alerts", key: keys["alice"])
            #expect(alerts.data.contains { $0["kind"] as? String == "cross_team_attempt" }, "\(alerts.body)")
        }
    }
}
