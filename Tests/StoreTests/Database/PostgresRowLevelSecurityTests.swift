import Foundation
import Testing
@testable import Store
import Tenancy

/// Isolation inside PostgreSQL itself: whatever SQL a repository (or a bug in one) runs in a
/// team's transaction, the database shows and accepts only that team's rows.
@Suite struct PostgresRowLevelSecurityTests {
    /// acme's sales and development both get a profile, limits, a key with limits, usage and
    /// audit records, a document in a collection and an SSO-made membership, so every team table
    /// holds rows of both (and the audit one of no team).
    static func populatedWorld() async throws -> StoreWorld {
        let world = try await StoreWorld.make(.postgres)
        for (team, admin) in [(world.sales, world.salesAdmin), (world.development, world.developmentAdmin)] {
            try await world.store.profiles.save(
                try PromptProfile(systemPrompt: "\(team.name) only"), Policy.authorize(admin, .changeProfile, on: team.resource))
            try await world.store.limits.set(
                try TeamLimits(requestsPerMinute: 10), Policy.authorize(world.acmeAdmin, .setLimits, on: team.resource))
            _ = try await world.store.keys.issue(
                KeyRequest(
                    holder: admin.userID, binding: .team(team.reference), role: .member, name: "limited",
                    limits: try KeyLimits(requestsPerMinute: 1)),
                Policy.authorize(admin, .issueKey, on: team.resource))
            try await world.store.usage.record(UsageDelta(promptTokens: 3), in: world.scope(admin))
            // A budget, and its spend row (made by the first reservation).
            try await world.store.budgets.set(
                BudgetDraft(subject: .team, unit: .tokens, amount: 1000),
                Policy.authorize(world.acmeAdmin, .setLimits, on: team.resource))
            _ = try await world.store.budgets.reserve(
                promptTokens: 1, completionTokens: 1, model: "m", in: world.scope(admin))
            try await world.store.audit.append(
                AuditEntry(principal: admin, action: .chat, resource: team.resource, decision: .allow, query: "q"))
            try await world.store.knowledge.createCollection(named: "handbook", in: world.scope(admin))
            _ = try await world.store.knowledge.store(
                KnowledgeRepositoryTests.draft("\(team.name).txt", "Quokka notes of \(team.name)."), in: "handbook",
                scope: world.scope(admin))
            // A running request: the team's counters, its lease and its month.
            let subject = SharedLimitCounters.Subject(
                id: "team:\(team.id.rawValue)", requestsPerMinute: 10, tokensPerMinute: nil, maxConcurrent: 2)
            let refusals = try await world.store.sharedLimits?.admit(
                [subject], in: world.scope(admin), lease: "rls-lease", month: "2026-12", monthlyBudget: nil, at: Date())
            #expect(refusals == [])
        }
        _ = try await world.store.sharedAddresses?.noteFailure(
            from: "192.0.2.44", at: Date(), window: 60, threshold: 20, blockFor: 300)
        try await world.store.audit.append(AuditEntry(identity: nil, action: "chat", resource: "team", decision: .deny(.unknownKey)))
        try await world.store.budgets.setPrice(
            ModelPrice(model: "m", promptPer1K: Money(micros: 1), completionPer1K: Money(micros: 2)),
            Policy.authorize(world.owner, .setPrices, on: .platform))
        // An alert raised by each team's key; development's reaches for sales (a cross-team attempt).
        for (team, target) in [(world.sales, nil), (world.development, world.sales)] as [(Team, Team?)] {
            try await world.store.alerts.record(
                Alert(
                    occurredAt: Date(), kind: target == nil ? .revokedKeyUse : .crossTeamAttempt, address: nil,
                    organizationID: world.acme.id, teamID: team.id, detail: "detail",
                    targetOrganizationID: target?.organizationID, targetTeamID: target?.id))
        }
        let destination = try AlertDestinationDraft(
            organizationID: world.acme.id, url: WebhookURL("https://hooks.example.com/a"), name: nil, kinds: [],
            teams: [world.sales.reference])
        _ = try await world.store.alertDestinations.create(
            destination, grants: [Policy.authorize(world.salesAdmin, .manageAlertDestinations, on: world.sales.resource)])
        try await world.store.alerts.record(
            Alert(occurredAt: Date(), kind: .revokedKeyUse, address: nil, organizationID: world.acme.id,
                  teamID: world.sales.id, detail: "queued"))
        // A person signed in through SSO whose groups map to both teams: an identity and
        // mappings (administrative) and one SSO-made membership in each team.
        try await world.store.singleSignOn.replaceMappings(
            [
                GroupMapping(group: "sales-eng", team: world.sales.reference, role: .member),
                GroupMapping(group: "dev", team: world.development.reference, role: .member),
            ], Policy.authorize(world.acmeAdmin, .manageSingleSignOn, on: world.acme.resource))
        _ = try await world.store.singleSignOn.signIn(
            ExternalIdentity(
                issuer: "https://idp.example.com", subject: "subject-rls", preferredName: "sso-sam", email: nil,
                groups: ["sales-eng", "dev"]),
            organization: world.acme.id, sessionExpiresAt: Date().addingTimeInterval(3600))
        return world
    }

    @Test func aTeamsTransactionSeesNoneOfAnotherTeamsRows() async throws {
        let world = try await Self.populatedWorld()
        for (principal, team) in [(world.salesMember, world.sales), (world.developmentAdmin, world.development)] {
            let scope = try world.scope(principal)
            for (table, column) in PostgresSchema.teamTables {
                let owners = try await world.store.backend.read(in: scope) { db in
                    try db.fetchAll("SELECT \(column) AS team FROM \(table)", []).map {
                        try $0.decode(String.self, forColumn: "team")
                    }
                }
                #expect(!owners.isEmpty, "\(team.name) sees its own rows of \(table)")
                #expect(owners.allSatisfy { $0 == team.id.rawValue }, "\(team.name) sees only its own rows of \(table)")
            }
            let keyLimitTeams = try await world.store.backend.read(in: scope) { db in
                try db.fetchAll("SELECT k.team_id FROM key_limits l LEFT JOIN api_keys k ON k.id = l.key_id", []).map {
                    try $0.decode(String?.self, forColumn: "team_id")
                }
            }
            #expect(keyLimitTeams == [team.id.rawValue], "\(team.name) sees only its own key's limits")
            for table in PostgresSchema.administrativeTables + PostgresSchema.serviceTables {
                let rows = try await world.store.backend.read(in: scope) { db in try db.fetchAll("SELECT * FROM \(table)", []) }
                #expect(rows.isEmpty, "a team's transaction sees nothing of \(table)")
            }
        }
    }

    @Test func aConnectionThatSaysNothingSeesNothing() async throws {
        let world = try await Self.populatedWorld()
        let database = try #require(world.database.postgres)
        let tables = PostgresSchema.teamTables.map { $0.table } + ["key_limits"] + PostgresSchema.administrativeTables
            + PostgresSchema.serviceTables + PostgresSchema.teamReadableTables
        for table in tables {
            let rows = try await PostgresBackend.runOutsideTransaction("SELECT count(*) AS n FROM \(table)", at: database)
            #expect(try rows.first?.decode(Int.self, forColumn: "n") == 0, "\(table) without atrium.team or atrium.access")
        }
        // The same tables are not empty: the administrative path sees them.
        let profiles = try await world.rawRows("SELECT * FROM team_profiles")
        #expect(!profiles.isEmpty)
    }

    /// The owner's model prices: every team's transaction reads them (a request is priced
    /// with them), none writes them.
    @Test func aTeamsTransactionReadsPricesButCannotChangeThem() async throws {
        let world = try await Self.populatedWorld()
        let scope = try world.scope(world.salesMember)
        for table in PostgresSchema.teamReadableTables {
            let rows = try await world.store.backend.read(in: scope) { db in try db.fetchAll("SELECT * FROM \(table)", []) }
            #expect(!rows.isEmpty, "a team's transaction reads \(table)")
        }
        await #expect(throws: (any Error).self) {
            try await world.store.backend.write(in: scope) { db in
                try db.execute(
                    "INSERT INTO model_prices (model, prompt_micros_per_1k, completion_micros_per_1k, updated_at_ms) VALUES ('x', 0, 0, 0)",
                    [])
            }
        }
        let changed = try await world.store.backend.write(in: scope) { db in
            try db.execute("UPDATE model_prices SET prompt_micros_per_1k = 0", [])
        }
        #expect(changed == 0, "no price is reachable for writing")
        let prices = try await world.store.budgets.prices()
        #expect(prices.first?.promptPer1K == Money(micros: 1))
    }

    @Test func aTeamsTransactionCannotWriteAnotherTeamsRows() async throws {
        let world = try await Self.populatedWorld()
        let scope = try world.scope(world.salesMember)
        let development = world.development.id.rawValue
        await #expect(throws: (any Error).self) {
            try await world.store.backend.write(in: scope) { db in
                try db.execute(
                    "INSERT INTO team_profiles (team_id, version, body, saved_by_key, saved_at) VALUES (?, 99, '{}', 'k', ?)",
                    [development, Date()])
            }
        }
        let changed = try await world.store.backend.write(in: scope) { db in
            try db.execute("UPDATE team_limits SET requests_per_minute = 1000", [])
        }
        #expect(changed == 1, "only the team's own limits row is reachable")
        let salesPostings = try await world.rawRows(
            "SELECT COUNT(*) AS n FROM knowledge_postings WHERE team_id = '\(world.sales.id.rawValue)'"
        ).first?.decode(Int.self, forColumn: "n")
        let rewritten = try await world.store.backend.write(in: scope) { db in
            (try db.execute("UPDATE knowledge_chunks SET text = 'rewritten'", []),
             try db.execute("DELETE FROM knowledge_postings", []))
        }
        #expect(rewritten.0 == 1 && rewritten.1 == salesPostings, "only the team's own chunk and postings are reachable")
        await #expect(throws: (any Error).self) {
            try await world.store.backend.write(in: scope) { db in
                try db.execute(
                    """
                    INSERT INTO knowledge_postings (team_id, term, chunk_id, chunk_length, text_count, heading_count, title_count)
                    SELECT ?, 'planted', id, 1, 1, 0, 0 FROM knowledge_chunks LIMIT 1
                    """,
                    [development])
            }
        }
        let developmentHits = try await world.store.knowledge.fullTextSearch(
            try #require(FullTextQuery("quokka")), collections: nil, limit: 5, in: world.scope(world.developmentAdmin))
        #expect(developmentHits.count == 1, "development's index is untouched")
        let developmentLimits = try await world.store.limits.limits(
            Policy.authorize(world.acmeAdmin, .readLimits, on: world.development.resource))
        #expect(developmentLimits.requestsPerMinute == 10)
    }

    /// A team's transaction reads its own audit records but appends none: the chain belongs to
    /// no team, only the administrative path (the accounting writer) extends it.
    @Test func aTeamsTransactionCannotWriteTheAudit() async throws {
        let world = try await Self.populatedWorld()
        let scope = try world.scope(world.salesMember)
        let before = try await world.store.audit.verify()
        await #expect(throws: (any Error).self) {
            try await world.store.backend.write(in: scope) { db in
                try AuditLog.appendChained(
                    [AuditEntry(principal: world.salesMember, action: .chat, resource: world.sales.resource, decision: .allow)],
                    queryText: .full, db)
            }
        }
        let sales = world.sales.id.rawValue
        await #expect(throws: (any Error).self) {
            try await world.store.backend.write(in: scope) { db in
                try db.execute(
                    """
                    INSERT INTO audit_records (id, occurred_at_ms, team_id, action, resource, decision, prompt_tokens,
                        completion_tokens, latency_ms, cache_hit, sources, prev_hash, hash)
                    VALUES (999, 0, ?, 'chat', 'x', 'allow', 0, 0, 0, false, '[]', 'p', 'h')
                    """, [sales])
            }
        }
        #expect(try await world.store.audit.verify() == before)
        #expect(before.isIntact && before.intactRecords == 3)
    }

    @Test func everyTableHasForcedRowLevelSecurityAndTheRoleCannotBypassIt() async throws {
        let world = try await StoreWorld.make(.postgres)
        try await world.store.requireRowLevelSecurity()
        let unprotected = try await world.rawRows(
            """
            SELECT relname FROM pg_class
            WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname <> 'atrium_migrations'
                AND NOT (relrowsecurity AND relforcerowsecurity)
            """)
        #expect(unprotected.isEmpty, "tables without forced row-level security: \(unprotected.map(\.values))")
    }
}
