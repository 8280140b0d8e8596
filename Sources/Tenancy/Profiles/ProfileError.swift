/// A prompt profile or team limit value that breaks its rule, naming the field.
public struct ProfileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The JSON field at fault (`temperature`, `retrieval.top_k`).
    public let field: String
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "invalid \(field): \(problem)" }
}
