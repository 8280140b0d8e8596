/// A token still in the running, with its (possibly penalized or scaled) logit.
struct TokenCandidate: Sendable, Equatable {
    var id: TokenID
    var logit: Float

    /// Higher logit first; equal logits go to the lower id, so every order is deterministic.
    @inline(__always)
    func isBetter(than other: TokenCandidate) -> Bool {
        logit != other.logit ? logit > other.logit : id < other.id
    }

    /// Ordered best first, for a heap that pops the best.
    struct BestFirst: Comparable {
        let candidate: TokenCandidate
        static func < (a: BestFirst, b: BestFirst) -> Bool { a.candidate.isBetter(than: b.candidate) }
    }

    /// Ordered worst first, for a heap that keeps the best k.
    struct WorstFirst: Comparable {
        let candidate: TokenCandidate
        static func < (a: WorstFirst, b: WorstFirst) -> Bool { b.candidate.isBetter(than: a.candidate) }
    }
}
