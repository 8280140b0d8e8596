import Console
import Foundation
import HTTPTypes
import Store
import Tenancy
import Testing

/// A console with single sign-on against a ``TestOpenIDProvider``: the standard tenants of
/// ``ConsoleWorld`` (acme → sales, development), SSO users joining acme.
struct SingleSignOnFixture {
    let world: ConsoleWorld
    let provider: TestOpenIDProvider
    let keys: [String: String]

    static let callback = "http://127.0.0.1/console/sso/callback"

    static func make(secureCookies: Bool = false) async throws -> SingleSignOnFixture {
        let provider = try await TestOpenIDProvider()
        let world = try ConsoleWorld(
            secureCookies: secureCookies,
            singleSignOn: SingleSignOnConfiguration(
                issuer: provider.issuer, clientID: TestOpenIDProvider.clientID,
                clientSecret: TestOpenIDProvider.clientSecret, organization: "acme", redirectURL: Self.callback))
        provider.follow { [world] in world.now }
        return SingleSignOnFixture(world: world, provider: provider, keys: try await world.scenario())
    }

    /// `PUT /v1/admin/orgs/{org}/sso/mappings` with `key`.
    func putMappings(_ browser: ConsoleBrowser, _ json: String, key: String, org: String = "acme") async throws
        -> ConsolePage
    {
        try await browser.send(
            .put, "/v1/admin/orgs/\(org)/sso/mappings", body: json,
            headers: [.authorization: "Bearer \(key)", .contentType: "application/json"])
    }

    /// The team `acme/<name>` as a reference.
    func team(_ name: String) async throws -> TeamReference {
        let team = try #require(try await world.store.teams.team(address: "acme/\(name)"))
        return team.reference
    }

    /// The role the SSO user named `name` holds in `acme/<team>` now.
    func role(of name: String, in team: String) async throws -> Role? {
        let user = try #require(try await world.store.users.user(address: name))
        return try await world.store.memberships.role(of: user.id, at: .team(try await self.team(team)))
    }

    /// The newest audit record of `action`.
    func lastRecord(_ action: String) async throws -> AuditRecord {
        try #require(try await world.auditRecords().first { $0.action == action })
    }

    /// Expects the newest SSO sign-in record to be refused for `reason`, flagged exactly `flags`;
    /// returns it.
    @discardableResult
    func expectLastSignInRefused(
        _ reason: DenialReason, flags: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> AuditRecord {
        let record = try await lastRecord("console.sso_sign_in")
        #expect(record.reason == reason.rawValue, sourceLocation: sourceLocation)
        #expect(record.flags == flags, sourceLocation: sourceLocation)
        return record
    }

    /// `callback` (a path and query) with its `code` replaced by `code`.
    static func replacingCode(in callback: String, with code: String) throws -> String {
        var components = try #require(URLComponents(string: callback))
        components.queryItems = components.queryItems?.map { $0.name == "code" ? URLQueryItem(name: "code", value: code) : $0 }
        return try #require(components.string)
    }
}

extension ConsoleBrowser {
    /// Starts SSO at the console, lets the provider answer as the browser would, and returns
    /// the callback's path and query (not yet followed).
    func startSingleSignOn(at provider: TestOpenIDProvider) async throws -> String {
        let start = try await get("/console/sso/start")
        guard start.status == 303, let location = start.location else { throw ConsoleBrowserError.noToken }
        return try await provider.authorize(location)
    }

    /// The whole SSO sign-in; the callback's answer.
    func signInWithSingleSignOn(at provider: TestOpenIDProvider) async throws -> ConsolePage {
        try await get(try await startSingleSignOn(at: provider))
    }
}
