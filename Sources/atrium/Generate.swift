import ArgumentParser
import Foundation
import Inference

/// `atrium generate`: runs the embedded engine alone on one prompt.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate text with the embedded engine from one prompt.",
        discussion: """
            With --chat the prompt is a user message rendered with the model's chat template; \
            without it the prompt is raw text. --json prints \
            {"prompt_tokens":[…],"tokens":[…],"text":"…","finish_reason":"…"}.
            """)

    @Option(help: "A GGUF file path or a model name (smollm2-135m, gemma3-270m).")
    var model = "smollm2-135m"

    @Option(help: "The prompt text.")
    var prompt: String

    @Flag(help: "Treat the prompt as a user message and render the chat template.")
    var chat = false

    @Option(name: .customLong("chat-template"), help: "Override the chat template (\(ChatTemplate.knownNames.joined(separator: ", "))).")
    var chatTemplate: String?

    @Option(name: .customLong("max-tokens"), help: "Most tokens to generate.")
    var maxTokens = 128

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass (0, 1].")
    var topP: Float = 1

    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens; 0 is off.")
    var topK = 0

    @Option(name: .customLong("min-p"), help: "Drop tokens below this fraction of the top probability.")
    var minP: Float = 0

    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty; 1 is off.")
    var repetitionPenalty: Float = 1

    @Option(help: "Random seed; the same seed gives the same output.")
    var seed: UInt64?

    @Option(help: "Stop when this text appears (repeatable).")
    var stop: [String] = []

    @Option(help: "Worker threads (default: all cores).")
    var threads = ThreadPool.availableCores

    @Flag(help: "Print one JSON object instead of streaming text.")
    var json = false

    @Flag(name: .customLong("json-object"), help: "Hold the answer to one JSON object (the API's response_format json_object).")
    var jsonObject = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
    }

    func run() throws {
        let sampling = try SamplingParameters(
            temperature: temperature, topK: topK, topP: topP, minP: minP,
            repetitionPenalty: repetitionPenalty, seed: seed)
        let options = try GenerationOptions(
            maxTokens: maxTokens, stop: stop, sampling: sampling, format: jsonObject ? .jsonObject : .text)
        let local = try LocalModel(path: ModelLocator().ggufPath(for: model), threads: threads, chatTemplate: chatTemplate)
        let promptTokens = chat ? try local.chatPrompt([.user(prompt)]) : local.textPrompt(prompt)
        let generator = TextGenerator(model: local)
        if json {
            let result = try generator.generate(prompt: promptTokens, options: options)
            let output = GenerateOutput(promptTokens: result.promptTokens, tokens: result.tokens, text: result.text,
                                        finishReason: result.finish.rawValue)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            _ = try generator.generate(prompt: promptTokens, options: options) { text in
                FileHandle.standardOutput.write(Data(text.utf8))
            }
            print()
        }
    }
}

private struct GenerateOutput: Encodable {
    var promptTokens: [TokenID]
    var tokens: [TokenID]
    var text: String
    var finishReason: String

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", tokens, text, finishReason = "finish_reason"
    }
}
