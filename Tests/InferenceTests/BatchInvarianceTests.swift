import Testing
@testable import Inference

/// A sequence's logits must not depend on what it is batched with: the serving engine decodes
/// many tenants' sequences in one pass, and a reply must be the one it would get alone.
/// The batched pass takes other paths than a lone token (whole 4-token kernel tiles, a GQA
/// group's heads attended together, norms four rows at a time, the feed-forward block's workers
/// quantizing their own rows), each built to give the same bits.
@Suite struct BatchInvarianceTests {
    @Test(arguments: KernelISA.supported)
    func decodingAmongEightGivesTheLogitsOfDecodingAlone(kernels: KernelISA) async throws {
        let model = try SharedModel.requireSmol(kernels: kernels)
        var random = SplitMix64(seed: 15)
        let vocabulary = UInt64(model.hyperParameters.vocabularySize)
        let prompts = (0..<8).map { slot in (0..<(5 + slot)).map { _ in TokenID(random.next() % vocabulary) } }
        let together = model.makeCache(slots: 8, maximumPositions: 32)
        let alone = model.makeCache(slots: 8, maximumPositions: 32)
        for (slot, prompt) in prompts.enumerated() {
            _ = try await SharedModel.forward(model, .sequence(prompt, slot: slot), cache: together)
            _ = try await SharedModel.forward(model, .sequence(prompt, slot: slot), cache: alone)
        }
        var next = prompts.map { $0.last! }
        for step in 0..<3 {
            var batch = Batch()
            for slot in 0..<8 {
                batch.append(next[slot], position: prompts[slot].count + step, sequence: slot, wantsLogits: true)
            }
            let batched = try await SharedModel.forward(model, batch, cache: together)
            for slot in 0..<8 {
                let single = try await SharedModel.forward(
                    model, .sequence([next[slot]], startingAt: prompts[slot].count + step, slot: slot), cache: alone)
                #expect(Array(batched[slot]) == Array(single[0]), "\(kernels): slot \(slot), step \(step)")
                next[slot] = single.argmax(row: 0)
            }
        }
    }
}
