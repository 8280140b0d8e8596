import Foundation
import Testing
@testable import Inference

/// Greedy decoding against llama.cpp by teacher forcing (reference README): run prompt +
/// generated tokens, and wherever llama.cpp's top1−top2 margin is ≥ 0.5 our argmax must agree.
@Suite(.serialized) struct GreedyReferenceTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let promptIDs: [TokenID]
        let generated: [TokenID]
        let margins: [Double]
        var description: String { name }
    }

    static func cases() throws -> [Case] {
        let json = try Fixtures.json(Fixtures.smolReference.appendingPathComponent("greedy.json"))
        return (json["prompts"] as! [[String: Any]]).map { prompt in
            Case(name: prompt["name"] as! String,
                 promptIDs: (prompt["prompt_ids"] as! [Int]).map(TokenID.init),
                 generated: (prompt["generated_ids"] as! [Int]).map(TokenID.init),
                 margins: prompt["top1_top2_logit_margin"] as! [Double])
        }
    }

    /// Steps whose argmax disagrees with llama.cpp although its margin was ≥ 0.5.
    static func disagreements(_ reference: Case, logits: Logits, firstRow: Int) -> [Int] {
        (0..<reference.generated.count).filter { step in
            reference.margins[step] >= 0.5 && logits.argmax(row: firstRow + step) != reference.generated[step]
        }
    }

    /// Prompt and continuation in one batch, logits at every position from the prompt's last on;
    /// at every kernel ISA level this CPU runs (KernelISA).
    @Test(arguments: try cases(), KernelISA.supported)
    func teacherForcedArgmaxMatchesLlamaCpp(_ reference: Case, kernels: KernelISA) async throws {
        let model = try SharedModel.requireSmol(kernels: kernels)
        let cache = model.makeCache(slots: 1, maximumPositions: 2048)
        let tokens = reference.promptIDs + reference.generated.dropLast()
        var batch = Batch.sequence(tokens)
        for i in 0..<batch.count { batch.wantsLogits[i] = i >= reference.promptIDs.count - 1 }
        let logits = try await SharedModel.forward(model, batch, cache: cache)
        let bad = Self.disagreements(reference, logits: logits, firstRow: 0)
        #expect(bad.isEmpty, "\(reference.name) (\(kernels)): steps \(bad) disagree")
    }

    /// The decode path: prompt as one batch, then one token per pass, all four prompts decoded
    /// together in one batch per step (as the serving engine runs them); at every kernel level.
    @Test(arguments: KernelISA.supported)
    func batchedDecodeMatchesLlamaCpp(kernels: KernelISA) async throws {
        let model = try SharedModel.requireSmol(kernels: kernels)
        let references = try Self.cases()
        let cache = model.makeCache(slots: references.count, maximumPositions: 2048)
        var prompt = Batch()
        for (slot, reference) in references.enumerated() {
            let ids = reference.promptIDs
            for (position, token) in ids.enumerated() {
                prompt.append(token, position: position, sequence: slot, wantsLogits: position == ids.count - 1)
            }
        }
        let first = try await SharedModel.forward(model, prompt, cache: cache)
        var collected: [[Logits]] = Array(repeating: [], count: references.count)
        for slot in references.indices {
            collected[slot].append(Logits(vocabularySize: first.vocabularySize, values: Array(first[slot])))
        }
        let steps = references.map(\.generated.count).min()!
        for step in 0..<(steps - 1) {
            var batch = Batch()
            for (slot, reference) in references.enumerated() {
                batch.append(reference.generated[step], position: reference.promptIDs.count + step,
                             sequence: slot, wantsLogits: true)
            }
            let logits = try await SharedModel.forward(model, batch, cache: cache)
            for slot in references.indices {
                collected[slot].append(Logits(vocabularySize: logits.vocabularySize, values: Array(logits[slot])))
            }
        }
        for (slot, reference) in references.enumerated() {
            let flat = Logits(vocabularySize: first.vocabularySize, values: collected[slot].flatMap(\.values))
            let truncated = Case(name: reference.name, promptIDs: reference.promptIDs,
                                 generated: Array(reference.generated.prefix(steps)), margins: reference.margins)
            let bad = Self.disagreements(truncated, logits: flat, firstRow: 0)
            #expect(bad.isEmpty, "\(reference.name) (\(kernels)): steps \(bad) disagree")
        }
    }

    /// Same tokens, same thread count → bit-identical logits.
    @Test func forwardIsDeterministic() throws {
        let model = try SharedModel.requireSmol()
        let reference = try Self.cases()[3]
        let a = try model.forward(.sequence(reference.promptIDs, allLogits: true), cache: model.makeCache(slots: 1, maximumPositions: 64))
        let b = try model.forward(.sequence(reference.promptIDs, allLogits: true), cache: model.makeCache(slots: 1, maximumPositions: 64))
        #expect(a.values == b.values)
    }
}
