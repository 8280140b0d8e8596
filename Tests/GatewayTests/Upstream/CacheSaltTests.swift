import AtriumTestSupport
import Foundation
@testable import Gateway
import Testing

/// The team's `cache_salt`: what keeps an engine's prefix cache from crossing teams.
@Suite(.serialized) struct CacheSaltTests {
    private struct Teams {
        let sales: TenantKey
        let development: TenantKey
        /// Sales again, through another member's key.
        let salesByAlice: TenantKey
    }

    private static func teams() async throws -> Teams {
        let world = try await GatewayWorld.make()
        return Teams(
            sales: TenantKey(try #require(try await world.principal("bob").tenantScope)),
            development: TenantKey(try #require(try await world.principal("carol").tenantScope)),
            salesByAlice: TenantKey(try #require(try await world.principal("alice").tenantScope)))
    }

    private static let secret = Data((0..<32).map { UInt8($0) })

    private static func request(_ tenant: TenantKey) -> GenerationRequest {
        GenerationRequest(
            tenant: tenant, model: "test", messages: [ChatTurn(role: .user, content: "hello")],
            sampling: GenerationSampling(temperature: 0, topP: 1, maxTokens: 3), streaming: true)
    }

    @Test func theSaltIsEqualWithinATeamDifferentAcrossTeamsAndNamesNoId() async throws {
        let teams = try await Self.teams()
        let salts = CacheSalt(secret: Self.secret)
        #expect(salts.salt(for: teams.sales) == salts.salt(for: teams.sales))
        #expect(salts.salt(for: teams.sales) == salts.salt(for: teams.salesByAlice), "every key of the team")
        #expect(salts.salt(for: teams.sales) == CacheSalt(secret: Self.secret).salt(for: teams.sales))
        let all = [teams.sales, teams.development].map(salts.salt(for:))
        #expect(all[0] != all[1])
        for (salt, tenant) in zip(all, [teams.sales, teams.development]) {
            #expect(salt.count == 43 && salt.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            #expect(!salt.contains(tenant.teamID.rawValue) && !salt.contains(tenant.organizationID.rawValue))
            for name in ["sales", "development", "acme"] { #expect(!salt.lowercased().contains(name)) }
        }
        // Another server's secret gives other salts: they cannot be computed without it.
        #expect(CacheSalt(secret: Data(repeating: 7, count: 32)).salt(for: teams.sales) != all[0])
    }

    @Test func theSecretIsMadeOnceAndKeptOwnerOnly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-salt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("cache-salt.key")
        let first = try CacheSalt.loadOrCreateSecret(at: file)
        #expect(first.count == 32)
        #expect(try CacheSalt.loadOrCreateSecret(at: file) == first)
        let permissions = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }

    /// Replicas that start together on one home get one secret: the last writer used to win,
    /// leaving the others salting with a secret no file held (attack round 6).
    @Test func processesMakingTheSecretAtOnceAgreeOnIt() async throws {
        for _ in 0..<10 {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-salt-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("cache-salt.key")
            let secrets = try await withThrowingTaskGroup(of: Data.self) { group in
                for _ in 0..<8 { group.addTask { try CacheSalt.loadOrCreateSecret(at: file) } }
                return try await group.reduce(into: [Data]()) { $0.append($1) }
            }
            #expect(Set(secrets).count == 1)
            #expect(try Data(contentsOf: file) == secrets[0])
            let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(left == ["cache-salt.key"], "no draft is left behind: \(left)")
        }
    }

    @Test func eachRequestCarriesItsTeamsSaltToTheEngine() async throws {
        let teams = try await Self.teams()
        let engine = try await TestEngineProcess()
        let salts = CacheSalt(secret: Self.secret)
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: engine.baseURL), salts: salts)
        for tenant in [teams.sales, teams.sales, teams.development] {
            for try await _ in backend.generate(Self.request(tenant)) {}
        }
        _ = try await backend.complete(Self.request(teams.development))
        try await backend.shutdown()
        let seen = try await engine.stats().salts
        #expect(seen == [teams.sales, teams.sales, teams.development, teams.development].map(salts.salt(for:)))
    }

    @Test func anUpstreamThatRejectsTheSaltStillAnswersAndIsSentNoneAfterwards() async throws {
        let teams = try await Self.teams()
        let engine = try await TestEngineProcess(arguments: ["--reject-cache-salt"])
        let backend = UpstreamBackend(
            configuration: try UpstreamConfiguration(url: engine.baseURL), salts: CacheSalt(secret: Self.secret))
        #expect(backend.sendsCacheSalt)
        var text = ""
        for try await event in backend.generate(Self.request(teams.sales)) {
            if case .delta(let piece) = event { text += piece }
        }
        #expect(text == "tok tok tok ")
        #expect(!backend.sendsCacheSalt)
        _ = try await backend.complete(Self.request(teams.sales))
        try await backend.shutdown()
        #expect(
            try await engine.stats().salts == [nil, nil, nil],
            "the probe (refused with the salt, answered without) and both requests went without a salt")
    }

    /// A refusal that names `cache_salt` only because it quotes the tenant's own text (an
    /// engine echoing its input in errors) does not turn salts off for every team, however the
    /// tenant spells the field: a probe of no client text shows the engine takes the salt, and
    /// the refusal is the request's own. Attack round 7 turned the salts off for every team with
    /// `cache_salt` and a combining accent, which a check of the prompt's characters missed.
    @Test func aRefusalQuotingTheTenantsTextKeepsTheSalt() async throws {
        let teams = try await Self.teams()
        let engine = try await TestEngineProcess(arguments: ["--misbehave", "echo-400"])
        let backend = UpstreamBackend(
            configuration: try UpstreamConfiguration(url: engine.baseURL), salts: CacheSalt(secret: Self.secret))
        for text in ["forbidden: cache_salt", "forbidden: cache_salt\u{0301}", "forbidden c\u{0061}che_salt"] {
            let quoting = GenerationRequest(
                tenant: teams.sales, model: "test", messages: [ChatTurn(role: .user, content: text)],
                sampling: GenerationSampling(temperature: 0, topP: 1, maxTokens: 3), streaming: true)
            await #expect(throws: BackendError.self) { for try await _ in backend.generate(quoting) {} }
            #expect(backend.sendsCacheSalt, "still salted after \(text.unicodeScalars.map(\.value))")
        }
        for try await _ in backend.generate(Self.request(teams.development)) {}
        try await backend.shutdown()
        let salts = try await engine.stats().salts
        #expect(salts.count == 5, "three refused requests, one probe (then trusted for a minute), one answer: \(salts)")
        #expect(!salts.contains(nil), "never sent without the salt")
    }

    @Test func aSaltTurnedOffForAnUpstreamIsNeverSent() async throws {
        let teams = try await Self.teams()
        let engine = try await TestEngineProcess()
        let backend = UpstreamBackend(
            configuration: try UpstreamConfiguration(url: engine.baseURL, sendsCacheSalt: false),
            salts: CacheSalt(secret: Self.secret))
        for try await _ in backend.generate(Self.request(teams.sales)) {}
        try await backend.shutdown()
        #expect(try await engine.stats().salts == [nil])
    }
}
