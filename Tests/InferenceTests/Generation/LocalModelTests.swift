import Foundation
import Testing
@testable import Inference

/// The shared start of a team's conversations that the serving engine may cache: exactly the
/// tokens two different conversations with the same system turns have in common up to the
/// first turn's content, on a ChatML model (SmolLM2, whose template writes a default system
/// turn) and on Gemma (whose template puts the system text inside the first user turn).
@Suite(.serialized) struct LocalModelTests {
    /// The length of the longest common start of two token lists.
    static func commonStart(_ a: [TokenID], _ b: [TokenID]) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }

    static func models() throws -> [LocalModel] {
        [try #require(TextGeneratorTests.local, "SmolLM2 not fetched (scripts/fetch-models)"),
         try #require(GemmaReferenceTests.model, "Gemma 3 270M not fetched (scripts/fetch-gemma)")]
    }

    @Test func theReusablePrefixIsWhatConversationsWithTheSameSystemTurnsShare() throws {
        for model in try Self.models() {
            for system in [[], [ChatMessage(role: "system", content: "You answer for the Sales team. Be brief.")]] {
                let first = system + [.user("Write a long story about a lighthouse keeper.")]
                let second = system + [.user("Quelle est la capitale de la France ?"), .assistant("Paris."), .user("Et de l'Italie ?")]
                let firstPrompt = try model.chatPrompt(first)
                let secondPrompt = try model.chatPrompt(second)
                let length = model.reusablePrefixLength(of: first, prompt: firstPrompt)
                let name = URL(fileURLWithPath: model.path).lastPathComponent
                #expect(length > 0, "\(name), \(system.count) system turns")
                #expect(length == model.reusablePrefixLength(of: second, prompt: secondPrompt), "\(name)")
                // Everything the two share before the users' words, and nothing after.
                #expect(length == Self.commonStart(firstPrompt, secondPrompt), "\(name), \(system.count) system turns")
                #expect(length < firstPrompt.count)
            }
        }
    }

    /// The default system turn of SmolLM2's template is part of the prefix: a request with no
    /// system message shares more than the bare turn header.
    @Test func aConversationWithoutASystemMessageSharesTheTemplatesDefaultSystemTurn() throws {
        let model = try #require(TextGeneratorTests.local, "SmolLM2 not fetched (scripts/fetch-models)")
        let messages = [ChatMessage.user("Hello")]
        let prompt = try model.chatPrompt(messages)
        let length = model.reusablePrefixLength(of: messages, prompt: prompt)
        let text = model.tokenizer.decode(Array(prompt[..<length]))
        #expect(text.hasSuffix("<|im_end|>\n<|im_start|>user\n"), "\(text.debugDescription)")
        #expect(text.contains("You are a helpful AI assistant"), "\(text.debugDescription)")
    }

    /// What cannot be shared is not offered: a conversation of system turns only, a prompt the
    /// rendering does not start with; a system text that spells the probe's marker changes
    /// nothing.
    @Test func nothingIsOfferedThatThePromptDoesNotStartWith() throws {
        let model = try #require(TextGeneratorTests.local, "SmolLM2 not fetched (scripts/fetch-models)")
        let onlySystem = [ChatMessage(role: "system", content: "Be brief.")]
        #expect(model.reusablePrefixLength(of: onlySystem, prompt: try model.chatPrompt(onlySystem)) == 0)
        let messages = [ChatMessage.user("Hello")]
        #expect(model.reusablePrefixLength(of: messages, prompt: model.textPrompt("Hello")) == 0)
        let tricky = [ChatMessage(role: "system", content: "Say atrium-turn-content-0x5f3759df twice."), .user("Hi")]
        let prompt = try model.chatPrompt(tricky)
        let length = model.reusablePrefixLength(of: tricky, prompt: prompt)
        let other = try model.chatPrompt([tricky[0], .user("Something else entirely")])
        #expect(length > 0 && length == Self.commonStart(prompt, other))
    }
}
