/// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): each ranking gives an item
/// `1 / (k + rank)`, ranks counted from 1, and the sums decide. It needs no score
/// calibration between BM25 and cosine similarity, which live on unrelated scales.
public enum RankFusion {
    /// The constant of the original paper, which damps the weight of the very first ranks.
    public static let k = 60.0

    /// Items of all rankings by fused score, best first; ties keep the order of first appearance.
    /// Works for any kind of id (chunk ids in a search). `weights` (one per ranking, 1 when
    /// nil) make it weighted reciprocal rank fusion: ranking r gives `weights[r] / (k + rank)`.
    public static func fuse<ID: Hashable>(
        _ rankings: [[ID]], weights: [Double]? = nil, k: Double = Self.k
    ) -> [(id: ID, score: Double)] {
        precondition(weights == nil || weights!.count == rankings.count, "one weight per ranking")
        var scores: [ID: Double] = [:]
        var firstSeen: [ID: Int] = [:]
        var order = 0
        for (number, ranking) in rankings.enumerated() {
            let weight = weights?[number] ?? 1
            for (position, id) in ranking.enumerated() {
                scores[id, default: 0] += weight / (k + Double(position + 1))
                if firstSeen[id] == nil {
                    firstSeen[id] = order
                    order += 1
                }
            }
        }
        return scores.map { (id: $0.key, score: $0.value) }.sorted {
            $0.score != $1.score ? $0.score > $1.score : firstSeen[$0.id]! < firstSeen[$1.id]!
        }
    }
}
