import Foundation

/// The stages of sampling, in llama.cpp's order: penalties → top-k → top-p → min-p → temperature → draw.
/// Each is a pure function, tested alone.
enum SamplerStages {
    /// llama.cpp's penalties over the last `window` tokens of `history`: a seen token's logit is divided by
    /// the repetition penalty (multiplied when not positive), then lowered by count × frequency penalty
    /// plus the presence penalty.
    static func applyPenalties(
        _ logits: UnsafeMutableBufferPointer<Float>, history: [TokenID], parameters: SamplingParameters
    ) {
        guard parameters.hasPenalties else { return }
        var counts: [TokenID: Int] = [:]
        for id in history.suffix(parameters.penaltyWindow) where id >= 0 && Int(id) < logits.count {
            counts[id, default: 0] += 1
        }
        for (id, count) in counts {
            var logit = logits[Int(id)]
            logit = logit <= 0 ? logit * parameters.repetitionPenalty : logit / parameters.repetitionPenalty
            logit -= Float(count) * parameters.frequencyPenalty + parameters.presencePenalty
            logits[Int(id)] = logit
        }
    }

    /// The id of the largest logit; the lowest id among equals.
    static func argmax(_ logits: UnsafeMutableBufferPointer<Float>) -> TokenID {
        var best = 0
        for index in logits.indices where logits[index] > logits[best] || logits[best].isNaN { best = index }
        return TokenID(best)
    }

    /// All tokens, in id order (NaN logits count as impossible).
    static func all(_ logits: UnsafeMutableBufferPointer<Float>, into candidates: inout [TokenCandidate]) {
        candidates.removeAll(keepingCapacity: true)
        for index in logits.indices {
            candidates.append(TokenCandidate(id: TokenID(index), logit: sanitized(logits[index])))
        }
    }

    /// The `k` best tokens, best first.
    static func topK(_ logits: UnsafeMutableBufferPointer<Float>, k: Int, into candidates: inout [TokenCandidate]) {
        var kept = BinaryHeap<TokenCandidate.WorstFirst>()
        for index in logits.indices {
            let candidate = TokenCandidate(id: TokenID(index), logit: sanitized(logits[index]))
            if kept.count < k {
                kept.push(.init(candidate: candidate))
            } else if let worst = kept.peek(), candidate.isBetter(than: worst.candidate) {
                _ = kept.pop()
                kept.push(.init(candidate: candidate))
            }
        }
        candidates.removeAll(keepingCapacity: true)
        while let worst = kept.pop() { candidates.append(worst.candidate) }
        candidates.reverse()
    }

    /// The smallest best-first set of `candidates` whose probabilities (softmax over all of them) reach
    /// `p`; at least one token. `sorted`: whether `candidates` are already best first.
    static func topP(_ candidates: inout [TokenCandidate], p: Float, sorted: Bool) {
        guard p < 1, !candidates.isEmpty else { return }
        let (maximum, total) = softmaxTotals(candidates)
        let threshold = Double(p) * total
        var kept: [TokenCandidate] = []
        var cumulative = 0.0
        if sorted {
            for candidate in candidates {
                kept.append(candidate)
                cumulative += exp(Double(candidate.logit - maximum))
                if cumulative >= threshold { break }
            }
        } else {
            // Pop the best one at a time: linear heap build, then only as many pops as tokens kept.
            var heap = BinaryHeap(candidates.map(TokenCandidate.BestFirst.init))
            while let best = heap.pop() {
                kept.append(best.candidate)
                cumulative += exp(Double(best.candidate.logit - maximum))
                if cumulative >= threshold { break }
            }
        }
        candidates = kept
    }

    /// Drops tokens whose probability is below `p` times the most likely one's.
    static func minP(_ candidates: inout [TokenCandidate], p: Float) {
        guard p > 0, let maximum = candidates.map(\.logit).max() else { return }
        let floor = maximum + log(p)
        candidates.removeAll { $0.logit < floor }
    }

    static func applyTemperature(_ candidates: inout [TokenCandidate], _ temperature: Float) {
        for index in candidates.indices { candidates[index].logit /= temperature }
    }

    /// One draw from the softmax of `candidates` with a uniform `unit` in [0, 1).
    static func draw(_ candidates: [TokenCandidate], unit: Double) -> TokenID {
        let (maximum, total) = softmaxTotals(candidates)
        guard total > 0, total.isFinite else { return candidates.first?.id ?? 0 }
        let target = unit * total
        var cumulative = 0.0
        for candidate in candidates {
            cumulative += exp(Double(candidate.logit - maximum))
            if target < cumulative { return candidate.id }
        }
        return candidates.last(where: { $0.logit > -.infinity })?.id ?? candidates[0].id
    }

    /// The largest logit and Σ exp(logit − largest).
    private static func softmaxTotals(_ candidates: [TokenCandidate]) -> (maximum: Float, total: Double) {
        guard let maximum = candidates.map(\.logit).max(), maximum > -.infinity else { return (0, 0) }
        var total = 0.0
        for candidate in candidates { total += exp(Double(candidate.logit - maximum)) }
        return (maximum, total)
    }

    @inline(__always)
    private static func sanitized(_ logit: Float) -> Float { logit.isNaN ? -.infinity : logit }
}
