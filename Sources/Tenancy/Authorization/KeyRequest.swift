import Foundation

/// A request to mint a key: for whom, bound where, with which role.
public struct KeyRequest: Sendable, Hashable {
    public let holder: UserID
    public let binding: AccessBinding
    public let role: Role
    /// A label for people (`"ci"`, `"laptop"`); never secret.
    public let name: String?
    public let expiresAt: Date?
    /// The key's own limits (the team's apply as well).
    public let limits: KeyLimits

    public init(
        holder: UserID, binding: AccessBinding, role: Role, name: String? = nil, expiresAt: Date? = nil,
        limits: KeyLimits = .unlimited
    ) {
        self.holder = holder
        self.binding = binding
        self.role = role
        self.name = name
        self.expiresAt = expiresAt
        self.limits = limits
    }
}
