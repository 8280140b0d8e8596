import ArgumentParser
import Foundation
import Inference

/// `atrium bench`: prompt-processing and generation speed, like llama-bench.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prompt-processing and generation tokens/s of a GGUF model.")

    @Option(help: "A GGUF file path or a model name (smollm2-135m).")
    var model = "smollm2-135m"

    @Option(name: .customLong("prompt-tokens"), help: "Tokens evaluated as one batch (pp).")
    var promptTokens = 512

    @Option(name: .customLong("gen-tokens"), help: "Tokens decoded one at a time (tg).")
    var generationTokens = 128

    @Option(help: "Worker threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Timed runs after one warm-up; the mean is reported.")
    var repetitions = 5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard promptTokens >= 0, generationTokens >= 0, promptTokens + generationTokens > 0 else {
            throw ValidationError("--prompt-tokens and --gen-tokens must be ≥ 0 and not both 0")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        let path = try ModelLocator().ggufPath(for: model)
        let engine = try LanguageModel(path: path, threads: threads, maximumChunk: max(promptTokens, 1))
        let result = try Benchmark(model: engine).run(
            promptTokens: promptTokens, generationTokens: generationTokens, repetitions: repetitions)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        print("| model | threads | test | t/s |")
        print("| --- | ---: | ---: | ---: |")
        if promptTokens > 0 {
            print("| \(name) | \(threads) | pp\(promptTokens) | \(format(result.promptTokensPerSecond)) ± \(format(result.promptDeviation)) |")
        }
        if generationTokens > 0 {
            print("| \(name) | \(threads) | tg\(generationTokens) | \(format(result.generationTokensPerSecond)) ± \(format(result.generationDeviation)) |")
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
