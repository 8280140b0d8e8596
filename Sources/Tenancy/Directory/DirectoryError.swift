/// A directory value (name, membership, key request) that breaks a rule.
public enum DirectoryError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidName(kind: String, name: String, problem: String)
    case roleDoesNotFitBinding(role: Role, binding: AccessBinding)

    public var description: String {
        switch self {
        case let .invalidName(kind, name, problem):
            "invalid \(kind) name '\(name)': it \(problem)"
        case let .roleDoesNotFitBinding(role, binding):
            "role '\(role.rawValue)' cannot be held at \(binding)"
        }
    }
}
