import ArgumentParser
import Foundation
import Inference

/// `atrium embed --model PATH|NAME [--threads N] [--embedding-precision int16|float32] TEXT…`:
/// prints one JSON array of vectors.
/// The hidden `--bench` flag measures passages per second instead (see `EmbedBenchmark`).
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed texts with a sentence-transformers model and print one JSON array of vectors.")

    @Option(help: "A model folder or a model name (minilm-l6).")
    var model = "minilm-l6"

    @Option(help: "Worker threads (default: every core).")
    var threads: Int?

    @Option(
        name: .customLong("embedding-precision"),
        help: "Arithmetic of the encoder's linear layers: int16 (default; cosine ≥ 0.999 to float32, faster) or float32.")
    var precision: EmbeddingPrecision?

    @Flag(help: .hidden)
    var bench = false

    @Argument(help: "The texts to embed.")
    var texts: [String] = []

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if !bench && texts.isEmpty { throw ValidationError("give at least one text to embed") }
    }

    func run() throws {
        let folder = try ModelLocator().folderPath(for: model)
        if bench {
            let threadCounts = threads.map { [$0] } ?? [1, 2]
            // Without the option, both precisions side by side (float32 first).
            let precisions = precision.map { [$0] } ?? [.float32, .int16]
            try EmbedBenchmark(folder: folder).run(threadCounts: threadCounts, precisions: precisions)
            return
        }
        let embedder = try SentenceEmbedder(
            folder: folder, threads: threads ?? ThreadPool.availableCores,
            precision: precision ?? .standard)
        let vectors = try embedder.embed(texts)
        let rows = vectors.map { vector in "[" + vector.map { "\($0)" }.joined(separator: ",") + "]" }
        print("[" + rows.joined(separator: ",") + "]")
    }
}

extension EmbeddingPrecision: ExpressibleByArgument {}
