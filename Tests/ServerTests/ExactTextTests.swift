import AtriumTestSupport
import Foundation
import Server
import Store
import Testing

/// Client text reaches the audit byte for byte: message content may hold any Unicode — NUL,
/// a lone surrogate escaped in JSON, 4-byte characters — and the stored record is exactly what
/// its hash covers, so `audit verify` keeps passing. Names, emails and key names, which people
/// read in listings, refuse NUL and control characters with a 400 naming the field.
@Suite struct ExactTextTests {
    @Test func auditKeepsMessagesWithNULAndVerifies() async throws {
        let world = try ServerWorld.make()
        let contents = [
            "before\u{0}after", "nul at the end\u{0}", "\u{0}", "emoji 🧪𝄞 and NUL \u{0} together",
            "tab\tand\u{1}controls\u{7f}",
        ]
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            for content in contents {
                let answer = try await http.call(
                    .post, "/v1/chat/completions", key: scenario["bob"],
                    json: ["messages": [["role": "user", "content": content]]])
                #expect(answer.status == 200, "\(answer.body)")
            }
            // A lone surrogate, as JSON writes it: decoded (replaced or refused), never a 500.
            let surrogate = try await http.call(
                .post, "/v1/chat/completions", key: scenario["bob"],
                raw: #"{"messages":[{"role":"user","content":"lone \ud800 surrogate"}]}"#)
            #expect(surrogate.status == 200 || surrogate.status == 400, "\(surrogate.body)")
            // A NUL in a path the client wrote reaches the record's resource.
            let path = try await http.call(.get, "/v1/admin/teams/acme%2Fsa%00les/profile", key: scenario["alice"])
            #expect(path.status == 404)
        }
        let records = try await world.auditRecords()
        let stored = Set(records.compactMap(\.query))
        for content in contents {
            #expect(stored.contains { $0.contains(content) }, "the audit keeps \(content.debugDescription) whole")
        }
        let verification = try await world.store.audit.verify()
        #expect(verification.isIntact, "\(String(describing: verification.firstBreak))")
    }

    /// A text document with a NUL byte is what a mislabeled binary file looks like: it is
    /// refused whole with a clear 415, never stored cut short at the NUL.
    @Test func aTextDocumentWithNULIsRefusedWholeNotStoredCutShort() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let bob = scenario["bob"]
            #expect(try await http.call(.post, "/v1/collections", key: bob, json: ["name": "notes"]).status == 201)
            let added = try await http.call(
                .post, "/v1/collections/notes/documents", key: bob,
                json: ["name": "nul.txt", "text": "Quarterly numbers\u{0} rose in the northern region."])
            #expect(added.status == 415 && added.isOpenAIError, "\(added.body)")
            #expect(added.errorMessage?.contains("binary") == true)
            let listed = try await http.call(.get, "/v1/collections/notes/documents", key: bob)
            #expect(listed.data.isEmpty, "nothing was stored: \(listed.body)")
        }
    }

    @Test func namesEmailsAndKeyNamesRefuseControlCharacters() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let owner = scenario["owner"]
            // Also invisible formatting (attack round 5): zero-width space, direction mark,
            // byte-order mark, a tag character — and in alert destination names and SSO groups.
            for bad in ["a\u{0}b", "line\nbreak", "bell\u{7}", "rtl\u{202E}override", "zero\u{200B}width", "mark\u{200F}",
                        "\u{FEFF}bom", "tag\u{E0041}"] {
                let destination = try await http.call(
                    .post, "/v1/admin/orgs/acme/alert-destinations", key: scenario["dave"],
                    json: ["url": "https://hooks.example.com/x", "name": "pager \(bad)"])
                #expect(destination.status == 400, "destination name \(bad.debugDescription): \(destination.body)")
                let mapping = try await http.call(
                    .put, "/v1/admin/orgs/acme/sso/mappings", key: scenario["dave"],
                    json: ["mappings": [["group": "eng\(bad)", "team": "acme/sales", "role": "member"]]])
                #expect(mapping.status == 400, "group \(bad.debugDescription): \(mapping.body)")
                let user = try await http.call(
                    .post, "/v1/admin/users", key: owner, json: ["name": "plain\(bad.count)", "email": "x\(bad)@example.com"])
                #expect(user.status == 400, "email \(bad.debugDescription): \(user.body)")
                #expect((user.json["error"] as? [String: Any])?["param"] as? String == "email" || user.body.contains("email"))
                let key = try await http.call(
                    .post, "/v1/admin/keys", key: owner,
                    json: ["user": "bob", "team": "acme/sales", "role": "viewer", "name": "ci \(bad)"])
                #expect(key.status == 400, "key name \(bad.debugDescription): \(key.body)")
                let organization = try await http.call(.post, "/v1/admin/orgs", key: owner, json: ["name": "org\(bad)"])
                #expect(organization.status == 400, "organization name \(bad.debugDescription)")
                let document = try await http.call(
                    .post, "/v1/collections", key: scenario["alice"], json: ["name": "c\(bad)"])
                #expect(document.status == 400, "collection name \(bad.debugDescription)")
            }
            // The same bodies with plain text pass.
            let mapping = try await http.call(
                .put, "/v1/admin/orgs/acme/sso/mappings", key: scenario["dave"],
                json: ["mappings": [["group": "eng", "team": "acme/sales", "role": "member"]]])
            #expect(mapping.status == 200, "\(mapping.body)")
            let destination = try await http.call(
                .post, "/v1/admin/orgs/acme/alert-destinations", key: scenario["dave"],
                json: ["url": "https://hooks.example.com/x", "name": "pager"])
            #expect(destination.status == 201, "\(destination.body)")
            // Nothing was stored cut short: no user, key or org appeared.
            let listed = try await http.call(.get, "/v1/admin/keys?team=acme/sales", key: owner)
            #expect(!listed.body.contains("ci "))
        }
    }
}
