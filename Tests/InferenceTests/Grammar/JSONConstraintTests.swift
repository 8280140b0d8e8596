import Foundation
import Testing
@testable import Inference

/// `response_format` `json_object` on the real SmolLM2 vocabulary: whatever the sampling, the
/// answer is one JSON object and ends with it; the mask lets through exactly the tokens whose
/// bytes continue the object.
@Suite(.serialized) struct JSONConstraintTests {
    static let local: LocalModel? = try? LocalModel(path: Fixtures.smolModelPath, threads: 2)

    private func requireLocal() throws -> LocalModel {
        try #require(Self.local, "SmolLM2 not fetched (scripts/fetch-models)")
    }

    @Test(arguments: [0.0, 0.9, 1.5] as [Float])
    func answersAreOneJSONObjectWhateverTheSampling(_ temperature: Float) throws {
        let local = try requireLocal()
        let prompts = [
            "Describe a cat as JSON with the keys name, age and colours.",
            "Write a haiku about the sea.",  // not asking for JSON at all
        ]
        for (index, text) in prompts.enumerated() {
            let sampling = try SamplingParameters(temperature: temperature, seed: UInt64(index + 1))
            let result = try TextGenerator(model: local).generate(
                prompt: try local.chatPrompt([.user(text)]),
                options: GenerationOptions(maxTokens: 160, sampling: sampling, format: .jsonObject))
            guard result.finish == .stop else {
                // Cut off by max_tokens: still a valid start of an object.
                var json = JSONRecognizer()
                let continues = json.consume(Array(result.text.utf8))
                #expect(continues, "\(result.text)")
                continue
            }
            #expect(local.endOfGeneration.contains(result.tokens.last!))
            let object = try JSONSerialization.jsonObject(with: Data(result.text.utf8))
            #expect(object is [String: Any], "\(result.text)")
        }
    }

    @Test func theMaskAllowsExactlyTheTokensThatContinue() throws {
        let local = try requireLocal()
        let table = local.tokenTable
        var constraint = JSONConstraint(table: table)
        for token in local.tokenizer.encode(#"{"name": "Ti"#, parseSpecial: false) { constraint.accept(token) }
        var logits = [Float](repeating: 0, count: table.count)
        logits.withUnsafeMutableBufferPointer { constraint.mask($0, endOfGeneration: local.endOfGeneration) }

        var allowed = 0
        for index in 0..<table.count {
            var trial = constraint.recognizer
            let continues = table.isText[index] && trial.consume(local.tokenizer.tokenBytes(TokenID(index)))
            #expect((logits[index] == 0) == continues, "token \(index)")
            if continues { allowed += 1 }
        }
        #expect(allowed > 10_000)  // inside a string most text continues
        for id in local.endOfGeneration { #expect(logits[Int(id)] == -.infinity) }

        // Once the object is closed, only the end of the turn may follow.
        for token in local.tokenizer.encode(#"m"}"#, parseSpecial: false) { constraint.accept(token) }
        #expect(constraint.recognizer.isComplete)
        var after = [Float](repeating: 0, count: table.count)
        after.withUnsafeMutableBufferPointer { constraint.mask($0, endOfGeneration: local.endOfGeneration) }
        #expect(Set(after.indices.filter { after[$0] > -.infinity }.map { TokenID($0) }) == local.endOfGeneration)
    }

    @Test func logitBiasForcesAndForbidsTokens() throws {
        let local = try requireLocal()
        let prompt = try local.chatPrompt([.user("What is the capital of France?")])
        let plain = try TextGenerator(model: local).generate(prompt: prompt, options: GenerationOptions(maxTokens: 4))
        let first = try #require(plain.tokens.first)

        let banned = try TextGenerator(model: local).generate(
            prompt: prompt,
            options: GenerationOptions(maxTokens: 4, sampling: SamplingParameters(logitBias: [first: -100])))
        #expect(banned.tokens.first != first)

        let forced = local.tokenizer.encode(" zebra", parseSpecial: false)[0]
        let biased = try TextGenerator(model: local).generate(
            prompt: prompt,
            options: GenerationOptions(maxTokens: 3, sampling: SamplingParameters(logitBias: [forced: 100])))
        #expect(biased.tokens == [forced, forced, forced])

        #expect(throws: SamplingError.self) { try SamplingParameters(logitBias: [1: 101]) }
        #expect(throws: SamplingError.self) { try SamplingParameters(logitBias: [1: .nan]) }
        #expect(throws: SamplingError.self) { try SamplingParameters(logitBias: [-1: 1]) }
    }
}
