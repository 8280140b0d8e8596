import Foundation
import Tenancy

/// What the profile stage knows about the requesting team: its current profile and the names
/// the system prompt's variables stand for.
public struct TeamContext: Sendable, Hashable {
    public let profile: PromptProfile
    public let teamName: String
    public let organizationName: String
    public let userName: String

    public init(profile: PromptProfile, teamName: String, organizationName: String, userName: String) {
        self.profile = profile
        self.teamName = teamName
        self.organizationName = organizationName
        self.userName = userName
    }

    /// Whether `claimed` names this team: its id, its name, or `org/team` (ids or names).
    func isOwnTeam(_ claimed: String, team: TeamReference) -> Bool {
        let parts = claimed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func same(_ a: String, _ b: String) -> Bool { a.caseInsensitiveCompare(b) == .orderedSame }
        switch parts.count {
        case 1:
            return parts[0] == team.id.rawValue || same(parts[0], teamName)
        case 2:
            let organizationMatches = parts[0] == team.organizationID.rawValue || same(parts[0], organizationName)
            return organizationMatches && (parts[1] == team.id.rawValue || same(parts[1], teamName))
        default:
            return false
        }
    }
}
