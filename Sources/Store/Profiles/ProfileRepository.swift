import Foundation
import Tenancy

/// Team prompt profiles. Every save is a new version; the newest is current and applies to
/// the very next request (nothing is cached here).
public struct ProfileRepository: Sendable {
    let backend: any StoreBackend

    /// The current profile of the scope's team (the default until one is saved).
    public func profile(in scope: TenantScope) async throws -> PromptProfile {
        try await current(of: scope.team, in: scope)
    }

    /// The current profile of the granted team (`.readProfile`).
    public func profile(_ grant: Grant) async throws -> PromptProfile {
        try await current(of: grant.team(for: .readProfile), in: nil)
    }

    /// Saves `profile` as the granted team's next version (`.changeProfile`) and returns it
    /// with that version. The profile was validated when it was built.
    @discardableResult
    public func save(_ profile: PromptProfile, _ grant: Grant, now: Date = Date()) async throws -> PromptProfile {
        let team = try grant.team(for: .changeProfile)
        let savedBy = grant.principal.keyID
        return try await backend.write { db in
            try MembershipRepository.requireTeam(team, db)
            let latest =
                try db.fetchValue(Int.self, "SELECT MAX(version) FROM team_profiles WHERE team_id = ?", [team.id.rawValue]) ?? 0
            let saved = try profile.withVersion(latest + 1)
            try db.execute(
                "INSERT INTO team_profiles (team_id, version, body, saved_by_key, saved_at) VALUES (?, ?, ?, ?, ?)",
                [team.id.rawValue, saved.version, try Self.encode(saved), savedBy.rawValue, now])
            return saved
        }
    }

    /// `scope` (when the request's own team asks) makes it a tenant transaction.
    private func current(of team: TeamReference, in scope: TenantScope?) async throws -> PromptProfile {
        try await backend.read(in: scope) { db in
            let body = try db.fetchValue(
                String.self,
                """
                SELECT p.body FROM team_profiles p JOIN teams t ON t.id = p.team_id
                WHERE p.team_id = ? AND t.organization_id = ? ORDER BY p.version DESC LIMIT 1
                """,
                [team.id.rawValue, team.organizationID.rawValue])
            guard let body else { return PromptProfile.default }
            do {
                return try JSONDecoder().decode(PromptProfile.self, from: Data(body.utf8))
            } catch {
                throw StoreError.corruptRow(table: "team_profiles", problem: "\(error)")
            }
        }
    }

    private static func encode(_ profile: PromptProfile) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(profile), as: UTF8.self)
    }
}
