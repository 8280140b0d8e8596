import Foundation
import Inference
import Synchronization

/// One loaded SmolLM2 for all tests in the process (loading maps the file; threads are shared),
/// and one more per kernel ISA level a test asks for.
enum SharedModel {
    static let smol: LanguageModel? = try? LanguageModel(path: Fixtures.smolModelPath, threads: 2)
    private static let byLevel = Mutex<[KernelISA: LanguageModel]>([:])

    static func requireSmol() throws -> LanguageModel {
        guard let model = smol else {
            throw FixtureError.missing("SmolLM2 GGUF (run scripts/fetch-models): \(Fixtures.atriumHome)")
        }
        return model
    }

    /// `model.forward(batch, cache:)` on a thread of its own, awaited: the reference tests run
    /// their passes at every kernel level (the scalar one slowly), and on the test runner's
    /// cooperative threads — as many as cores — they would hold up every async test meanwhile.
    static func forward(_ model: LanguageModel, _ batch: Batch, cache: KVCache) async throws -> Logits {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try model.forward(batch, cache: cache) }) }.start()
        }
    }

    /// SmolLM2 running the C kernels of `kernels` (loaded on first use, then kept).
    static func requireSmol(kernels: KernelISA) throws -> LanguageModel {
        _ = try requireSmol()
        return try byLevel.withLock { models in
            if let model = models[kernels] { return model }
            // One thread: the suites run side by side on two cores, and four levels of passes
            // with two busy workers each would starve the suites that have time limits.
            let model = try LanguageModel(path: Fixtures.smolModelPath, threads: 1, kernels: kernels)
            models[kernels] = model
            return model
        }
    }
}

/// Log-softmax helpers for comparing logits the way the reference README recommends.
enum LogProbabilities {
    static func logSumExp<C: Collection>(_ values: C) -> Double where C.Element == Float {
        let maximum = Double(values.max() ?? 0)
        return maximum + log(values.reduce(0.0) { $0 + exp(Double($1) - maximum) })
    }
}

#if canImport(Glibc)
import Glibc
#endif
