import Inference

/// One loaded SmolLM2 for all tests in the process (loading maps the file; threads are shared).
enum SharedModel {
    static let smol: LanguageModel? = try? LanguageModel(path: Fixtures.smolModelPath, threads: 2)

    static func requireSmol() throws -> LanguageModel {
        guard let model = smol else {
            throw FixtureError.missing("SmolLM2 GGUF (run scripts/fetch-models): \(Fixtures.atriumHome)")
        }
        return model
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
