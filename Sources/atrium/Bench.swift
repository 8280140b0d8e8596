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
    var threads = ThreadPool.availableCores

    @Option(help: ArgumentHelp(
        "Also decode N sequences together, one token each per pass (comma-separated counts, e.g. 1,4,8,16).",
        valueName: "counts"))
    var parallel: String?

    @Option(name: .customLong("context"), help: "Prompt tokens of each sequence before the --parallel decode.")
    var context = 128

    @Option(help: "Timed runs after one warm-up; the mean is reported.")
    var repetitions = 5

    @Flag(name: .customLong("row-major"), help: ArgumentHelp(
        "Use only the row-major kernels, not the interleaved ones (to compare them).", visibility: .hidden))
    var rowMajor = false

    @Option(help: ArgumentHelp(
        "The ISA level of the C kernels: scalar, avx2, avx2-vnni, avx512-vnni, avx512-amx, neon-dotprod (default: ATRIUM_KERNELS, else the best this CPU runs).",
        valueName: "level"))
    var kernels: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard promptTokens >= 0, generationTokens >= 0, promptTokens + generationTokens > 0 else {
            throw ValidationError("--prompt-tokens and --gen-tokens must be ≥ 0 and not both 0")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
        guard parallelCounts.allSatisfy({ $0 >= 1 && $0 <= 256 }) else {
            throw ValidationError("--parallel takes counts from 1 to 256, e.g. 1,4,8,16")
        }
        guard context >= 1 else { throw ValidationError("--context must be at least 1") }
        if let kernels {
            guard let isa = KernelISA(name: kernels) else {
                throw ValidationError("--kernels takes one of \(KernelISA.allCases.map(\.name).joined(separator: ", "))")
            }
            guard isa.isSupported else {
                throw ValidationError("this CPU cannot run the \(isa) kernels (it runs \(KernelISA.supported.map(\.name).joined(separator: ", ")))")
            }
        }
    }

    func run() throws {
        if let kernels, let isa = KernelISA(name: kernels) { KernelISA.select(isa) }
        if let problem = KernelISA.environmentProblem { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        let path = try ModelLocator().ggufPath(for: model)
        let engine = try LanguageModel(path: path, threads: threads, maximumChunk: max(promptTokens, context, 1),
                                       interleaving: !rowMajor)
        // With --json on stderr, so that the output stays one JSON document.
        if json { FileHandle.standardError.write(Data("kernels: \(KernelISA.summary)\n".utf8)) } else { print("kernels: \(KernelISA.summary)") }
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
        try runParallel(engine, name: name)
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }

    private var parallelCounts: [Int] {
        (parallel ?? "").split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) ?? 0 }
    }

    /// Aggregate tokens/s of `--parallel` sequences decoded together (see `Benchmark`).
    private func runParallel(_ engine: LanguageModel, name: String) throws {
        guard !parallelCounts.isEmpty else { return }
        let benchmark = Benchmark(model: engine)
        let single = try benchmark.runBatchedGeneration(
            sequences: 1, context: context, generationTokens: generationTokens, repetitions: repetitions)
        for count in parallelCounts {
            let rate = count == 1 ? single : try benchmark.runBatchedGeneration(
                sequences: count, context: context, generationTokens: generationTokens, repetitions: repetitions)
            print("| \(name) | \(threads) | tg\(generationTokens) × \(count) sequences (context \(context)) | \(format(rate)) (\(String(format: "%.2f", rate / single))× one) |")
        }
    }
}
