import Foundation
import Testing
@testable import Inference

/// Last-position log-probabilities against llama.cpp, with the README's tolerances.
@Suite(.serialized) struct LogitsReferenceTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let promptIDs: [TokenID]
        let top40: [(TokenID, Double)]
        let fixed: [(TokenID, Double)]
        let logSumExp: Double
        var description: String { name }
    }

    static func cases() throws -> [Case] {
        let json = try Fixtures.json(Fixtures.smolReference.appendingPathComponent("logits.json"))
        let prompts = json["prompts"] as! [[String: Any]]
        return prompts.map { prompt in
            let top = (prompt["top40"] as! [[Double]]).map { (TokenID($0[0]), $0[1]) }
            let ids = (prompt["fixed_ids"] as! [Int]).map(TokenID.init)
            let logits = prompt["fixed_logits"] as! [Double]
            let stats = prompt["stats"] as! [String: Any]
            return Case(name: prompt["name"] as! String,
                        promptIDs: (prompt["prompt_ids"] as! [Int]).map(TokenID.init),
                        top40: top, fixed: Array(zip(ids, logits)),
                        logSumExp: stats["logsumexp"] as! Double)
        }
    }

    /// Compares engine logits with a reference case; returns a failure description or nil.
    static func compare(_ logits: ArraySlice<Float>, with reference: Case) -> [String] {
        var problems: [String] = []
        let engineLSE = LogProbabilities.logSumExp(logits)
        let base = logits.startIndex
        func engineLogProb(_ id: TokenID) -> Double { Double(logits[base + Int(id)]) - engineLSE }
        func referenceLogProb(_ logit: Double) -> Double { logit - reference.logSumExp }

        for (id, logit) in reference.top40.prefix(10) {
            let delta = abs(engineLogProb(id) - referenceLogProb(logit))
            if delta > 0.5 { problems.append("top-10 id \(id): Δlog-prob \(delta) > 0.5") }
        }
        for (id, logit) in reference.top40 + reference.fixed {
            let delta = abs(engineLogProb(id) - referenceLogProb(logit))
            if delta > 1.5 { problems.append("id \(id): Δlog-prob \(delta) > 1.5") }
        }
        // KL(ref‖engine) over the reference's top-40 (nearly all of its mass) plus the rest as one bucket.
        var kl = 0.0, referenceMass = 0.0, engineMass = 0.0
        for (id, logit) in reference.top40 {
            let p = exp(referenceLogProb(logit)), q = exp(engineLogProb(id))
            kl += p * log(p / q)
            referenceMass += p
            engineMass += q
        }
        let restP = max(1 - referenceMass, 1e-12), restQ = max(1 - engineMass, 1e-12)
        kl += restP * log(restP / restQ)
        if kl > 0.02 { problems.append("KL(ref‖engine) \(kl) > 0.02") }

        let engineTop10 = Set(logits.indices.sorted { logits[$0] > logits[$1] }.prefix(10).map { TokenID($0 - base) })
        let overlap = reference.top40.prefix(10).filter { engineTop10.contains($0.0) }.count
        if overlap < 8 { problems.append("top-10 overlap \(overlap) < 8") }

        let margin = reference.top40[0].1 - reference.top40[1].1
        let engineArgmax = TokenID(logits.indices.max { logits[$0] < logits[$1] }! - base)
        if margin >= 0.5, engineArgmax != reference.top40[0].0 {
            problems.append("argmax \(engineArgmax) ≠ reference \(reference.top40[0].0) (margin \(margin))")
        }
        return problems
    }

    /// At every kernel ISA level this CPU runs (KernelISA), as the tests below.
    @Test(arguments: try cases(), KernelISA.supported)
    func lastPositionMatchesLlamaCpp(_ reference: Case, kernels: KernelISA) async throws {
        let model = try SharedModel.requireSmol(kernels: kernels)
        let cache = model.makeCache(slots: 1, maximumPositions: 2048)
        let logits = try await SharedModel.forward(model, .sequence(reference.promptIDs), cache: cache)
        let problems = Self.compare(logits[0], with: reference)
        #expect(problems.isEmpty, "\(reference.name) (\(kernels)): \(problems.joined(separator: "; "))")
    }

    /// The same prompts fed one token per forward pass (the decode path).
    @Test(arguments: try cases(), KernelISA.supported)
    func tokenByTokenMatchesLlamaCpp(_ reference: Case, kernels: KernelISA) async throws {
        let model = try SharedModel.requireSmol(kernels: kernels)
        let cache = model.makeCache(slots: 1, maximumPositions: 2048)
        var last: Logits?
        for (position, token) in reference.promptIDs.enumerated() {
            last = try await SharedModel.forward(model, .sequence([token], startingAt: position), cache: cache)
        }
        let problems = Self.compare(try #require(last)[0], with: reference)
        #expect(problems.isEmpty, "\(reference.name) (\(kernels)): \(problems.joined(separator: "; "))")
    }

    /// All three prompts in one batch, each in its own cache slot.
    @Test(arguments: KernelISA.supported)
    func batchedSequencesMatchLlamaCpp(kernels: KernelISA) async throws {
        let model = try SharedModel.requireSmol(kernels: kernels)
        let references = try Self.cases()
        let cache = model.makeCache(slots: references.count, maximumPositions: 2048)
        var batch = Batch()
        // Interleave the sequences to prove order inside a batch does not matter.
        let longest = references.map(\.promptIDs.count).max()!
        for position in 0..<longest {
            for (slot, reference) in references.enumerated() where position < reference.promptIDs.count {
                batch.append(reference.promptIDs[position], position: position, sequence: slot,
                             wantsLogits: position == reference.promptIDs.count - 1)
            }
        }
        let logits = try await SharedModel.forward(model, batch, cache: cache)
        // Logit rows come in batch order: the sequence whose last token comes first, first.
        var rowOfSlot: [Int: Int] = [:]
        var row = 0
        for i in 0..<batch.count where batch.wantsLogits[i] { rowOfSlot[batch.sequences[i]] = row; row += 1 }
        for (slot, reference) in references.enumerated() {
            let problems = Self.compare(logits[rowOfSlot[slot]!], with: reference)
            #expect(problems.isEmpty, "\(reference.name) (\(kernels)): \(problems.joined(separator: "; "))")
        }
    }
}
