import AtriumTestSupport
import Foundation
import Hummingbird
import Store
import Testing

/// Minting and rotating keys over HTTP: another tenant's teams and organizations answer like
/// missing ones, a minted key stays within the key that minted it, and a rotated key's old
/// secret works for the grace period only.
@Suite struct KeyRouteTests {
    /// globex/research's id, read by the owner.
    static func researchID(_ http: HTTPCaller, owner: String) async throws -> String {
        let teams = try await http.call(.get, "/v1/admin/orgs/globex/teams", key: owner)
        return try #require(teams.data.first?["id"] as? String)
    }

    @Test func foreignAndMissingTeamsAnswerAlikeWhenMintingKeys() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let research = try await Self.researchID(http, owner: keys["owner"])
            let globex = try #require(keys.ids["globex"])
            // (what the order names, how the 404 must read)
            let probes: [([String: Any], String)] = [
                (["team": "globex/research"], "team 'globex/research' not found"),
                (["team": "globex/nothing"], "team 'globex/nothing' not found"),
                (["team": research], "team '\(research)' not found"),
                (["team": "research", "org": "globex"], "team 'research' not found"),
                (["team": "nothing", "org": "globex"], "team 'nothing' not found"),
                (["team": "sales", "org": "nowhere"], "team 'sales' not found"),
                (["team": "acme/sales", "org": "globex"], "team 'acme/sales' not found"),
                (["org": "globex"], "organization 'globex' not found"),
                (["org": "nowhere"], "organization 'nowhere' not found"),
                (["org": globex], "organization '\(globex)' not found"),
            ]
            for (place, message) in probes {
                let order = place.merging(["user": "alice"]) { $1 }
                let answer = try await http.call(.post, "/v1/admin/keys", key: keys["dave"], json: order)
                #expect(answer.status == 404 && answer.errorMessage == message, "\(place): \(answer.status) \(answer.body)")
                #expect(answer.errorCode == "not_found")
            }
            // The same team, in the caller's own organization: minted.
            let own = try await http.call(
                .post, "/v1/admin/keys", key: keys["dave"], json: ["user": "alice", "team": "sales", "org": "acme"])
            #expect(own.status == 201, "\(own.body)")
        }
    }

    @Test func mintedKeyNeverOutlivesNorOutLimitsTheKeyThatMintedIt() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let hour = ISO8601DateFormatter().string(from: world.clock.now.addingTimeInterval(3600))
            let short = try await http.call(
                .post, "/v1/admin/keys", key: keys["alice"],
                json: ["user": "alice", "team": "acme/sales", "expires_at": hour, "limits": ["requests_per_minute": 1]])
            #expect(short.status == 201, "\(short.body)")
            let shortKey = try #require(short.json["key"] as? String)

            // Nothing asked: the minter's expiry and limits.
            let child = try await http.call(.post, "/v1/admin/keys", key: shortKey, json: ["user": "bob", "team": "acme/sales"])
            #expect(child.status == 201, "\(child.body)")
            #expect(child.json["expires_at"] as? String == short.json["expires_at"] as? String)
            #expect((child.json["limits"] as? [String: Any])?["requests_per_minute"] as? Int == 1)
            let listed = try await http.call(.get, "/v1/admin/keys?team=acme/sales", key: keys["alice"])
            let stored = listed.data.first { $0["id"] as? String == child.json["id"] as? String }
            #expect(stored?["expires_at"] as? String == short.json["expires_at"] as? String)

            // Asking for more is refused; asking for less is kept.
            let later = ISO8601DateFormatter().string(from: world.clock.now.addingTimeInterval(7200))
            let outliving = try await http.call(
                .post, "/v1/admin/keys", key: shortKey, json: ["user": "bob", "team": "acme/sales", "expires_at": later])
            #expect(outliving.status == 403 && outliving.errorCode == "exceeds_creator_key", "\(outliving.body)")
            let outLimiting = try await http.call(
                .post, "/v1/admin/keys", key: shortKey,
                json: ["user": "bob", "team": "acme/sales", "limits": ["requests_per_minute": 5]])
            #expect(outLimiting.status == 403 && outLimiting.errorCode == "exceeds_creator_key", "\(outLimiting.body)")
            let sooner = ISO8601DateFormatter().string(from: world.clock.now.addingTimeInterval(600))
            let within = try await http.call(
                .post, "/v1/admin/keys", key: shortKey,
                json: ["user": "bob", "team": "acme/sales", "expires_at": sooner, "limits": ["tokens_per_minute": 100]])
            #expect(within.status == 201, "\(within.body)")
            let limits = within.json["limits"] as? [String: Any]
            #expect(limits?["requests_per_minute"] as? Int == 1 && limits?["tokens_per_minute"] as? Int == 100)

            // A key without expiry or limits (alice's own) still mints unbounded keys.
            let unbounded = try await http.call(.post, "/v1/admin/keys", key: keys["alice"], json: ["user": "bob", "team": "acme/sales"])
            #expect(unbounded.status == 201 && unbounded.json["expires_at"] is NSNull, "\(unbounded.body)")
        }
    }

    @Test func rotatedKeysOldSecretWorksDuringTheGraceAndIsRefusedAfter() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let minted = try await http.call(
                .post, "/v1/admin/keys", key: keys["alice"], json: ["user": "bob", "team": "acme/sales", "name": "ci"])
            let id = try #require(minted.json["id"] as? String)
            let old = try #require(minted.json["key"] as? String)
            let rotated = try await http.call(.post, "/v1/admin/keys/\(id)/rotate", key: keys["alice"], json: ["grace_seconds": 300])
            #expect(rotated.status == 200, "\(rotated.body)")
            let new = try #require(rotated.json["key"] as? String)
            #expect(new != old && rotated.json["id"] as? String == id)
            #expect(rotated.json["name"] as? String == "ci" && rotated.json["role"] as? String == minted.json["role"] as? String)

            #expect(try await http.call(.get, "/v1/models", key: old).status == 200, "the old secret works in the grace period")
            #expect(try await http.call(.get, "/v1/models", key: new).status == 200)
            world.clock.advance(by: 301)
            let refused = try await http.call(.get, "/v1/models", key: old)
            #expect(refused.status == 401, "\(refused.body)")
            #expect(try await http.call(.get, "/v1/models", key: new).status == 200)

            // No grace: the old secret fails at once.
            let again = try await http.call(.post, "/v1/admin/keys/\(id)/rotate", key: keys["alice"], json: ["grace_seconds": 0])
            #expect(again.status == 200)
            #expect(try await http.call(.get, "/v1/models", key: new).status == 401)
            #expect(try await http.call(.get, "/v1/models", key: again.json["key"] as? String).status == 200)

            let records = try await world.auditRecords()
            #expect(records.contains { $0.action == "keys.rotate" && $0.resource.hasSuffix("key:\(id)") })
        }
    }

    /// Whoever minted a key saw its secret: removing or demoting an admin revokes the keys they
    /// minted in colleagues' names, and the keys those minted, down the line — not only the
    /// keys they hold (attack round 5: a removed admin kept admin access through one).
    @Test func removingOrDemotingAnAdminRevokesEveryKeyTheyMinted() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            #expect(try await http.call(.put, "/v1/admin/teams/acme%2Fsales/members/carol", key: keys["dave"], json: ["role": "admin"]).status == 200)
            func mint(_ by: String?, _ order: [String: Any]) async throws -> (key: String, id: String) {
                let answer = try await http.call(.post, "/v1/admin/keys", key: by, json: order)
                #expect(answer.status == 201, "\(answer.body)")
                return (try #require(answer.json["key"] as? String), try #require(answer.json["id"] as? String))
            }
            func works(_ key: String?) async throws -> Bool {
                try await http.call(.get, "/v1/models", key: key).status == 200
            }
            // alice mints an admin key in carol's name, which mints a member key in bob's.
            let aliceOwn = try await mint(keys["dave"], ["user": "alice", "team": "acme/sales", "role": "admin"])
            let shadow = try await mint(aliceOwn.key, ["user": "carol", "team": "acme/sales", "role": "admin"])
            let grandchild = try await mint(shadow.key, ["user": "bob", "team": "acme/sales"])
            let listing = try await http.call(.get, "/v1/admin/keys?team=acme%2Fsales", key: keys["dave"])
            #expect(listing.data.first { $0["id"] as? String == shadow.id }?["created_by"] as? String == aliceOwn.id)

            // Demoted to member: alice keeps her own key (as a member), not what she minted.
            #expect(try await http.call(.put, "/v1/admin/teams/acme%2Fsales/members/alice", key: keys["dave"], json: ["role": "member"]).status == 200)
            #expect(try await works(aliceOwn.key))
            let minted = [try await works(shadow.key), try await works(grandchild.key)]
            #expect(minted == [false, false])

            // Back to admin, she mints again; removed, all of it goes — and keys others minted stay.
            #expect(try await http.call(.put, "/v1/admin/teams/acme%2Fsales/members/alice", key: keys["dave"], json: ["role": "admin"]).status == 200)
            let second = try await mint(aliceOwn.key, ["user": "carol", "team": "acme/sales", "role": "admin"])
            #expect(try await works(second.key))
            #expect(try await http.call(.delete, "/v1/admin/teams/acme%2Fsales/members/alice", key: keys["dave"]).status == 204)
            let removed = [try await works(aliceOwn.key), try await works(second.key)]
            #expect(removed == [false, false])
            let others = [try await works(keys["bob"]), try await works(keys["carol"])]
            #expect(others == [true, true], "keys the org admin minted stay")
        }
    }

    /// The secret a rotation replaced works through its grace period for the data plane only:
    /// never to mint, rotate or revoke keys, nor to administer anything else — removing its own
    /// holder's membership would revoke the new secret (attack round 6). The audit tells its
    /// requests from the new secret's.
    @Test func aRotatedKeysPreviousSecretServesTheDataPlaneOnly() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let minted = try await http.call(
                .post, "/v1/admin/keys", key: keys["dave"], json: ["user": "alice", "team": "acme/sales", "role": "admin"])
            let id = try #require(minted.json["id"] as? String)
            let old = try #require(minted.json["key"] as? String)
            let rotated = try await http.call(.post, "/v1/admin/keys/\(id)/rotate", key: keys["dave"], json: ["grace_seconds": 300])
            let new = try #require(rotated.json["key"] as? String)

            #expect(try await http.call(.get, "/v1/models", key: old).status == 200)
            let chat = try await http.call(
                .post, "/v1/chat/completions", key: old, json: ["messages": [["role": "user", "content": "hi"]], "max_tokens": 2])
            #expect(chat.status == 200, "\(chat.body)")
            #expect(try await http.call(.get, "/v1/admin/teams/acme%2Fsales/members", key: old).status == 403)
            let promote = try await http.call(.put, "/v1/admin/teams/acme%2Fsales/members/bob", key: old, json: ["role": "admin"])
            #expect(promote.status == 403, "\(promote.body)")
            let leave = try await http.call(.delete, "/v1/admin/teams/acme%2Fsales/members/alice", key: old)
            #expect(leave.status == 403, "\(leave.body)")
            let profile = try await http.call(.put, "/v1/admin/teams/acme%2Fsales/profile", key: old, json: ["system_prompt": "x"])
            #expect(profile.status == 403, "\(profile.body)")
            let issue = try await http.call(.post, "/v1/admin/keys", key: old, json: ["user": "bob", "team": "acme/sales"])
            #expect(issue.status == 403, "\(issue.body)")
            let rotate = try await http.call(.post, "/v1/admin/keys/\(id)/rotate", key: old, json: ["grace_seconds": 0])
            #expect(rotate.status == 403 || rotate.status == 404, "\(rotate.body)")
            #expect(try await http.call(.get, "/v1/models", key: new).status == 200, "the holder keeps the key")
            #expect(try await http.call(.post, "/v1/admin/keys", key: new, json: ["user": "bob", "team": "acme/sales"]).status == 201)

            let records = try await world.auditRecords().filter { $0.keyID?.rawValue == id }
            #expect(records.contains { $0.keyPrefix?.hasSuffix("(previous secret)") == true && !$0.allowed })
            #expect(records.contains { $0.keyPrefix?.hasSuffix("(previous secret)") == false })
        }
    }

    /// The owner ends an org admin's role: their organization keys go, and every key they minted.
    @Test func anOrganizationAdminCanBeRemoved() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let refused = try await http.call(.delete, "/v1/admin/orgs/acme/admins/dave", key: keys["erin"])
            #expect(refused.status == 404, "another organization's admin: \(refused.body)")
            #expect(try await http.call(.delete, "/v1/admin/orgs/acme/admins/dave", key: keys["alice"]).status == 403)
            #expect(try await http.call(.get, "/v1/admin/orgs/acme/teams", key: keys["dave"]).status == 200)

            #expect(try await http.call(.delete, "/v1/admin/orgs/acme/admins/dave", key: keys["owner"]).status == 204)
            #expect(try await http.call(.get, "/v1/admin/orgs/acme/teams", key: keys["dave"]).status == 401)
            #expect(try await http.call(.get, "/v1/models", key: keys["bob"]).status == 401, "dave minted bob's key")
            #expect(try await http.call(.delete, "/v1/admin/orgs/acme/admins/dave", key: keys["owner"]).status == 404)
            #expect(try await http.call(.get, "/v1/admin/orgs/globex/teams", key: keys["erin"]).status == 200)
        }
    }

    @Test func rotationIsBoundedAndOtherTeamsKeysAreMissing() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let minted = try await http.call(.post, "/v1/admin/keys", key: keys["alice"], json: ["user": "bob", "team": "acme/sales"])
            let id = try #require(minted.json["id"] as? String)
            for grace in [-1, 7 * 24 * 3600 + 1] {
                let answer = try await http.call(.post, "/v1/admin/keys/\(id)/rotate", key: keys["alice"], json: ["grace_seconds": grace])
                #expect(answer.status == 400, "\(grace): \(answer.body)")
            }
            let foreign = try await http.call(.post, "/v1/admin/keys/\(id)/rotate", key: keys["erin"], json: ["grace_seconds": 0])
            let otherTeam = try await http.call(.post, "/v1/admin/keys/\(id)/rotate", key: keys["carol"], json: ["grace_seconds": 0])
            #expect(foreign.status == 404 && otherTeam.status == 404)
            #expect(foreign.errorMessage == "key '\(id)' not found" && otherTeam.errorMessage == foreign.errorMessage)
            #expect(try await http.call(.get, "/v1/models", key: minted.json["key"] as? String).status == 200)
        }
    }
}
