import ArgumentParser
import Serving

/// The embedded engine's limits on `atrium serve`: how many sequences decode together, the KV
/// memory they may reserve, and how long and how many requests may wait for a slot. Defaults
/// are ``ServingConfiguration``'s.
struct ServingOptions: ParsableArguments {
    private static let standard = try! ServingConfiguration()

    @Option(name: .customLong("max-sequences"), help: "Requests the embedded engine decodes together (its regular KV-cache slots).")
    var maxSequences = standard.maximumSequences

    @Option(
        name: .customLong("reserved-sequences"),
        help: "Extra slots only a team below its fair share may take, so one team holding every regular slot never makes another wait.")
    var reservedSequences = standard.reservedSequences

    @Option(name: .customLong("max-batch-tokens"), help: "Tokens one forward pass computes at most (decoding first, then prompt chunks).")
    var maxBatchTokens = standard.maximumBatchTokens

    @Option(name: .customLong("kv-cache-bytes"), help: "KV-cache memory the running requests may reserve together (512MiB, 2GiB); requests beyond it wait.")
    var kvCacheBytes = ByteSize(bytes: standard.kvCacheBudgetBytes)

    @Option(name: .customLong("max-context"), help: "Longest context of one request, prompt and reply (at most the model's).")
    var maxContext = standard.maximumContext

    @Option(name: .customLong("queue-timeout"), help: "Seconds a request may wait for a slot before it gets 503.")
    var queueTimeout = Double(standard.queueTimeout.components.seconds)

    @Option(name: .customLong("max-queued"), help: "Requests that may wait for a slot at once; more get 503.")
    var maxQueued = standard.maximumQueued

    @Option(name: .customLong("prefix-cache-bytes"), help: "Memory for the KV states of each team's recent prompts and replies (per-team prefix cache: a later request reuses the longest start it shares with them) with the embedded engine; 0 turns it off.")
    var prefixCacheBytes = ByteSize(bytes: standard.prefixCacheBudgetBytes)

    func validate() throws {
        // Upper bounds keep the sums and conversions below (and the engine's) from overflowing.
        guard (1...4096).contains(maxSequences) else { throw ValidationError("--max-sequences must be 1 to 4096") }
        guard (0...4096).contains(reservedSequences) else { throw ValidationError("--reserved-sequences must be 0 to 4096") }
        guard maxBatchTokens <= 1 << 20 else { throw ValidationError("--max-batch-tokens must be at most 1048576") }
        guard maxBatchTokens >= maxSequences + reservedSequences else {
            throw ValidationError(
                "--max-batch-tokens (\(maxBatchTokens)) must be at least --max-sequences plus --reserved-sequences "
                    + "(\(maxSequences + reservedSequences)): every running request decodes a token in each pass")
        }
        guard kvCacheBytes.bytes > 0 else { throw ValidationError("--kv-cache-bytes must be more than 0") }
        guard (1...1 << 20).contains(maxContext) else { throw ValidationError("--max-context must be 1 to 1048576") }
        guard (0...10_000_000).contains(maxQueued) else { throw ValidationError("--max-queued must be 0 to 10000000") }
        guard queueTimeout > 0, queueTimeout <= 86_400 else {
            throw ValidationError("--queue-timeout must be a positive number of seconds, at most 86400")
        }
        do {
            _ = try configuration()
        } catch let error as ServingError {
            throw ValidationError("\(error)")
        }
    }

    func configuration() throws -> ServingConfiguration {
        try ServingConfiguration(
            maximumSequences: maxSequences, reservedSequences: reservedSequences, maximumBatchTokens: maxBatchTokens,
            kvCacheBudgetBytes: kvCacheBytes.bytes, maximumContext: maxContext,
            queueTimeout: .milliseconds(Int64((queueTimeout * 1000).rounded())), maximumQueued: maxQueued,
            prefixCacheBudgetBytes: prefixCacheBytes.bytes)
    }
}
