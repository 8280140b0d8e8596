import Foundation
import Testing
@testable import Inference

/// The generation loop end to end on SmolLM2: the prompt from the chat template, greedy and
/// seeded sampling, stop strings, token limits and end of turn.
@Suite(.serialized) struct TextGeneratorTests {
    static let local: LocalModel? = try? LocalModel(path: Fixtures.smolModelPath, threads: 2)

    private func requireLocal() throws -> LocalModel {
        try #require(Self.local, "SmolLM2 not fetched (scripts/fetch-models)")
    }

    @Test func chatPromptIdsMatchLlamaCpp() throws {
        let local = try requireLocal()
        let reference = try GreedyReferenceTests.cases().first { $0.name == "chat_capital_france" }!
        #expect(try local.chatPrompt([.user("What is the capital of France?")]) == reference.promptIDs)
    }

    /// Free-running greedy decoding reproduces llama.cpp while the reference margins are wide.
    @Test func greedyContinuationMatchesLlamaCpp() throws {
        let local = try requireLocal()
        let reference = try GreedyReferenceTests.cases().first { $0.name == "raw_quick_brown_fox" }!
        let agreed = reference.margins.firstIndex { $0 < 0.5 } ?? reference.generated.count
        let result = try TextGenerator(model: local).generate(
            prompt: local.textPrompt("The quick brown fox"), options: GenerationOptions(maxTokens: agreed))
        #expect(result.promptTokens == reference.promptIDs)
        #expect(result.tokens == Array(reference.generated.prefix(agreed)))
        #expect(result.finish == .length)
        #expect(result.text == local.tokenizer.decode(result.tokens))
    }

    @Test func sameSeedSameOutputOtherSeedOtherOutput() throws {
        let local = try requireLocal()
        let prompt = try local.chatPrompt([.user("Tell me a story about a robot.")])
        func run(seed: UInt64) throws -> [TokenID] {
            let sampling = try SamplingParameters(temperature: 1.0, topP: 0.95, seed: seed)
            return try TextGenerator(model: local).generate(prompt: prompt, options: GenerationOptions(maxTokens: 24, sampling: sampling)).tokens
        }
        let first = try run(seed: 11)
        #expect(try run(seed: 11) == first)
        #expect(try run(seed: 12) != first)
    }

    @Test func stopStringEndsGenerationAndIsNotEmitted() throws {
        let local = try requireLocal()
        var streamed = ""
        let result = try TextGenerator(model: local).generate(
            prompt: local.textPrompt("The quick brown fox"), options: GenerationOptions(maxTokens: 40, stop: ["bear"])) {
            streamed += $0
        }
        #expect(result.finish == .stop)
        #expect(result.text == " with a quick brown ")
        #expect(streamed == result.text)
    }

    @Test func endOfTurnStopsAChat() throws {
        let local = try requireLocal()
        #expect(local.endOfGeneration.isSuperset(of: [0, 2, 4]))
        let result = try TextGenerator(model: local).generate(
            prompt: try local.chatPrompt([.user("Say hello.")]), options: GenerationOptions(maxTokens: 200))
        #expect(result.finish == .stop)
        #expect(local.endOfGeneration.contains(result.tokens.last!))
        #expect(!result.text.contains("<|im_end|>"))
    }

    @Test func invalidOptionsAreRefused() {
        #expect(throws: GenerationError.invalidMaxTokens(0)) { try GenerationOptions(maxTokens: 0) }
        #expect(throws: GenerationError.emptyStopString) { try GenerationOptions(stop: [""]) }
        #expect(throws: (any Error).self) { try SamplingParameters(temperature: -1) }
    }
}
