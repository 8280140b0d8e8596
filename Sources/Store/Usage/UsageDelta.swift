/// What one request adds to the ledger.
public struct UsageDelta: Sendable, Hashable {
    public let requests: Int
    public let promptTokens: Int
    public let completionTokens: Int
    public let cacheHits: Int

    public init(requests: Int = 1, promptTokens: Int = 0, completionTokens: Int = 0, cacheHits: Int = 0) throws {
        guard requests >= 0, promptTokens >= 0, completionTokens >= 0, cacheHits >= 0 else {
            throw StoreError.invalidValue(field: "usage", problem: "counts cannot be negative")
        }
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cacheHits = cacheHits
    }
}
