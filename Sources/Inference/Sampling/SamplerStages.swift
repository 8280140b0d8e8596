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
        guard total > 0 else { return }
        let threshold = p * total
        if !sorted { candidates = likeliestSorted(candidates, maximum: maximum, reaching: threshold) }
        var cumulative: Float = 0
        for (index, candidate) in candidates.enumerated() {
            cumulative += exp(candidate.logit - maximum)
            if cumulative >= threshold {
                candidates.removeSubrange((index + 1)...)
                return
            }
        }
    }

    /// The best candidates, best first, whose mass Σ exp(logit − maximum) reaches `threshold` (maybe a
    /// few more; the caller cuts them). Like llama.cpp, it buckets logits first, so only the buckets
    /// that hold the nucleus are sorted.
    private static func likeliestSorted(
        _ candidates: [TokenCandidate], maximum: Float, reaching threshold: Float
    ) -> [TokenCandidate] {
        let bucketCount = 256
        var minimum = maximum
        for candidate in candidates where candidate.logit > -.infinity && candidate.logit < minimum {
            minimum = candidate.logit
        }
        let width = (maximum - minimum) / Float(bucketCount)
        guard width > 0, width.isFinite else { return candidates.sorted { $0.isBetter(than: $1) } }
        // Bucket 0 holds the highest logits; impossible tokens go to the last.
        let buckets = candidates.map { candidate in
            candidate.logit > -.infinity ? min(bucketCount - 1, Int((maximum - candidate.logit) / width)) : bucketCount - 1
        }
        var mass = [Float](repeating: 0, count: bucketCount)
        for (candidate, bucket) in zip(candidates, buckets) { mass[bucket] += exp(candidate.logit - maximum) }
        var needed = 0
        var cumulative = mass[0]
        while needed < bucketCount - 1, cumulative < threshold {
            needed += 1
            cumulative += mass[needed]
        }
        var nucleus: [TokenCandidate] = []
        for (candidate, bucket) in zip(candidates, buckets) where bucket <= needed { nucleus.append(candidate) }
        return nucleus.sorted { $0.isBetter(than: $1) }
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
        let target = Float(unit) * total
        var cumulative: Float = 0
        for candidate in candidates {
            cumulative += exp(candidate.logit - maximum)
            if target < cumulative { return candidate.id }
        }
        // Rounding left the target past the sum: the last possible token.
        return candidates.last(where: { $0.logit > -.infinity })?.id ?? candidates[0].id
    }

    /// One draw from the softmax of every logit at `temperature` — what `all`, `applyTemperature`
    /// and `draw` give when top-k, top-p and min-p are off, the usual case — without building
    /// candidates: the exponentials are computed sixteen at a time and left in `logits`, so the
    /// cumulative walk needs none. (Over SmolLM2's 49,152 logits the candidate path spent about
    /// 1 ms per row in scalar `exp`, a tenth of a batched decoding step.)
    static func drawFromAll(_ logits: UnsafeMutableBufferPointer<Float>, temperature: Float, unit: Double) -> TokenID {
        guard let base = logits.baseAddress, !logits.isEmpty else { return 0 }
        let count = logits.count
        let vectorEnd = count / 16 * 16
        let negativeInfinity = SIMD16<Float>(repeating: -.infinity)
        var maxima = negativeInfinity
        for start in stride(from: 0, to: vectorEnd, by: 16) {
            let raw = UnsafeRawPointer(base + start).loadUnaligned(as: SIMD16<Float>.self)
            let x = raw.replacing(with: negativeInfinity, where: raw .!= raw)  // NaN: impossible
            UnsafeMutableRawPointer(base + start).storeBytes(of: x, as: SIMD16<Float>.self)
            maxima = VectorMath.maximum(maxima, x)
        }
        var maximum = maxima.max()
        for index in vectorEnd..<count {
            base[index] = sanitized(base[index])
            maximum = max(maximum, base[index])
        }
        guard maximum > -.infinity else { return 0 }

        let inverse = 1 / temperature
        var totals = SIMD16<Float>(repeating: 0)
        for start in stride(from: 0, to: vectorEnd, by: 16) {
            let x = UnsafeRawPointer(base + start).loadUnaligned(as: SIMD16<Float>.self)
            let e = VectorMath.exp((x - maximum) * inverse).replacing(with: 0, where: x .== negativeInfinity)
            UnsafeMutableRawPointer(base + start).storeBytes(of: e, as: SIMD16<Float>.self)
            totals += e
        }
        var total = totals.sum()
        for index in vectorEnd..<count {
            base[index] = base[index] > -.infinity ? exp((base[index] - maximum) * inverse) : 0
            total += base[index]
        }
        guard total > 0, total.isFinite else { return TokenID(argmaxIndex(of: logits)) }
        let target = Float(unit) * total
        var cumulative: Float = 0
        for index in 0..<count {
            cumulative += base[index]
            if target < cumulative { return TokenID(index) }
        }
        // Rounding left the target past the sum: the last possible token.
        var last = count - 1
        while last > 0 && base[last] == 0 { last -= 1 }
        return TokenID(last)
    }

    private static func argmaxIndex(of values: UnsafeMutableBufferPointer<Float>) -> Int {
        var best = 0
        for index in values.indices where values[index] > values[best] { best = index }
        return best
    }

    /// The largest logit and Σ exp(logit − largest).
    private static func softmaxTotals(_ candidates: [TokenCandidate]) -> (maximum: Float, total: Float) {
        let maximum = maximumLogit(candidates)
        guard maximum > -.infinity else { return (0, 0) }
        return (maximum, candidates.reduce(0) { $0 + exp($1.logit - maximum) })
    }

    private static func maximumLogit(_ candidates: [TokenCandidate]) -> Float {
        var maximum = -Float.infinity
        for candidate in candidates where candidate.logit > maximum { maximum = candidate.logit }
        return maximum
    }

    @inline(__always)
    private static func sanitized(_ logit: Float) -> Float { logit.isNaN ? -.infinity : logit }
}
