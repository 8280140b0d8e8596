/// Thrown where a ``Policy`` decision (or authentication) refused the request.
public struct AccessDenied: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: DenialReason
    public let action: Action?

    public init(_ reason: DenialReason, action: Action? = nil) {
        self.reason = reason
        self.action = action
    }

    public var description: String {
        if let action { "access denied for \(action.rawValue): \(reason)" } else { "access denied: \(reason)" }
    }
}
