/// A model as `GET /v1/models` lists it.
public struct ModelCard: Sendable, Hashable {
    public let id: String
    public let ownedBy: String
    /// Unix seconds; the server's start time.
    public let created: Int

    public init(id: String, ownedBy: String, created: Int) {
        self.id = id
        self.ownedBy = ownedBy
        self.created = created
    }
}
