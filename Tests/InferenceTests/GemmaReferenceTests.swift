import Foundation
import Testing
@testable import Inference

/// Gemma 3 270M — the second architecture (SentencePiece vocabulary, sliding-window and global
/// attention, QK-norm, GeGLU, scaled embeddings, Q4_K/Q5_0/Q6_K weights) — against llama.cpp.
/// The fixture and how it was made: Tests/InferenceTests/Fixtures/gemma/.
@Suite(.serialized) struct GemmaReferenceTests {
    static let fixture = Fixtures.localFixtures.appendingPathComponent("gemma/gemma3_reference.json")
    static let model: LocalModel? = {
        guard let path = try? ModelLocator(home: Fixtures.atriumHome).ggufPath(for: "gemma3-270m") else { return nil }
        return try? LocalModel(path: path, threads: 2)
    }()

    func requireModel() throws -> LocalModel {
        try #require(Self.model, "Gemma 3 270M not fetched (scripts/fetch-gemma)")
    }

    @Test func tokenizationMatchesLlamaCpp() throws {
        let model = try requireModel()
        let reference = try Fixtures.json(Self.fixture)
        for entry in reference["tokenization"] as! [[String: Any]] {
            let text = entry["text"] as! String
            let expected = (entry["ids"] as! [Int]).map(TokenID.init)
            #expect(model.tokenizer.encode(text, parseSpecial: true) == expected, "\(text.debugDescription)")
        }
    }

    @Test func chatTemplateRendersLikeTheReferencePrompt() throws {
        let model = try requireModel()
        #expect(model.template.name == "gemma")
        let reference = try Fixtures.json(Self.fixture)
        let chat = (reference["continuations"] as! [[String: Any]]).first { $0["name"] as? String == "chat_primes" }!
        let expected = (chat["prompt_ids"] as! [Int]).map(TokenID.init)
        #expect(try model.chatPrompt([.user("List three prime numbers.")]) == expected)
    }

    /// Teacher forcing: wherever llama.cpp's top-1/top-2 margin is ≥ 0.5, the same argmax.
    @Test func teacherForcedArgmaxMatchesLlamaCpp() throws {
        let model = try requireModel()
        let reference = try Fixtures.json(Self.fixture)
        for continuation in reference["continuations"] as! [[String: Any]] {
            let prompt = (continuation["prompt_ids"] as! [Int]).map(TokenID.init)
            let generated = (continuation["generated_ids"] as! [Int]).map(TokenID.init)
            let margins = continuation["top1_top2_logprob_margin"] as! [Double]
            var batch = Batch.sequence(prompt + generated.dropLast())
            for i in 0..<batch.count { batch.wantsLogits[i] = i >= prompt.count - 1 }
            let logits = try model.network.forward(batch, cache: model.network.makeCache(slots: 1, maximumPositions: 512))
            let disagreements = generated.indices.filter { margins[$0] >= 0.5 && logits.argmax(row: $0) != generated[$0] }
            #expect(disagreements.isEmpty, "\(continuation["name"]!): steps \(disagreements) disagree")
        }
    }
}
