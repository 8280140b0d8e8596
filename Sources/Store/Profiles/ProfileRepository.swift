import Foundation
import GRDB
import Tenancy

/// Team prompt profiles. Every save is a new version; the newest is current and applies to
/// the very next request (nothing is cached here).
public struct ProfileRepository: Sendable {
    let pool: DatabasePool

    /// The current profile of the scope's team (the default until one is saved).
    public func profile(in scope: TenantScope) async throws -> PromptProfile {
        try await current(of: scope.team)
    }

    /// The current profile of the granted team (`.readProfile`).
    public func profile(_ grant: Grant) async throws -> PromptProfile {
        try await current(of: grant.team(for: .readProfile))
    }

    /// Saves `profile` as the granted team's next version (`.changeProfile`) and returns it
    /// with that version. The profile was validated when it was built.
    @discardableResult
    public func save(_ profile: PromptProfile, _ grant: Grant, now: Date = Date()) async throws -> PromptProfile {
        let team = try grant.team(for: .changeProfile)
        let savedBy = grant.principal.keyID
        return try await pool.write { db in
            try MembershipRepository.requireTeam(team, db)
            let latest = try Int.fetchOne(
                db, sql: "SELECT MAX(version) FROM team_profiles WHERE team_id = ?", arguments: [team.id.rawValue]) ?? 0
            let saved = try profile.withVersion(latest + 1)
            try db.execute(
                sql: "INSERT INTO team_profiles (team_id, version, body, saved_by_key, saved_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [team.id.rawValue, saved.version, try Self.encode(saved), savedBy.rawValue, now])
            return saved
        }
    }

    private func current(of team: TeamReference) async throws -> PromptProfile {
        try await pool.read { db in
            let body = try String.fetchOne(
                db,
                sql: """
                    SELECT p.body FROM team_profiles p JOIN teams t ON t.id = p.team_id
                    WHERE p.team_id = ? AND t.organization_id = ? ORDER BY p.version DESC LIMIT 1
                    """,
                arguments: [team.id.rawValue, team.organizationID.rawValue])
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
