/// The vectors of one collection, packed as the index wants them: `values` holds
/// `chunkIDs.count` rows of `dimensions` floats, one after the other.
public struct VectorRows: Sendable {
    public let dimensions: Int
    public var chunkIDs: [Int64] = []
    // [chunk][dimension]
    public var values: [Float] = []

    public init(dimensions: Int) {
        self.dimensions = dimensions
    }
}
