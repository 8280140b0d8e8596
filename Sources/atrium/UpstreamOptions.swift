import ArgumentParser
import Foundation
import Gateway

/// `atrium serve` in front of OpenAI-compatible engines: the pools, the fair scheduler's
/// in-flight budget per upstream, team-salted prefix caching, and health checks.
struct UpstreamOptions: ParsableArguments {
    @Option(
        name: .customLong("upstream"),
        help: ArgumentHelp(
            "Front an OpenAI-compatible server (vLLM, llama.cpp) instead of the embedded engine: [MODEL=]URL[;cache-salt=on|off]. Repeat it for a pool (same model: least-outstanding routing, health checks, failover) or for more models (MODEL=URL). ATRIUM_UPSTREAM_KEY, if set, is sent as the bearer key.",
            valueName: "[MODEL=]URL"))
    var upstreams: [String] = []

    @Option(
        name: .customLong("upstream-concurrency"),
        help: "Requests in flight per upstream at most, its reserved slots included: set it to the engine's slots (llama-server --parallel, vLLM --max-num-seqs). Beyond it requests wait in per-team fair queues (--queue-timeout, --max-queued). A pool's budget is the sum over its upstreams that are up: it shrinks while one is ejected and grows back on its return.")
    var concurrency = SchedulingConfiguration.defaultConcurrency

    @Option(
        name: .customLong("upstream-reserved"),
        help: "Of --upstream-concurrency, the slots only a team below its fair share (the budget split by team weight) may take, so a flood of one team never makes another team's request wait (default: one in 32, at least one). A team alone never takes them: they idle while only one team has work.")
    var reserved: Int?

    @Option(
        name: .customLong("upstream-cache-salt"),
        help: "Send each team's cache_salt (an HMAC of the team under a server secret) so the engine's prefix cache never crosses teams: on or off; ';cache-salt=' on an --upstream overrides it. An upstream that rejects the field is detected and logged. The secret is ATRIUM_CACHE_SALT_SECRET or ATRIUM_HOME/cache-salt.key (made on first use).")
    var cacheSalt = Switch.on

    @Option(name: .customLong("health-check-interval"), help: "Seconds between health checks of each upstream (GET /health).")
    var healthCheckInterval = 2.0

    @Option(
        name: .customLong("upstream-timeout"),
        help: "Seconds one request to an upstream may take in all, streamed or not; past it the client gets 504 (never a second generation elsewhere).")
    var requestTimeout = 600.0

    @Option(
        name: .customLong("upstream-read-timeout"),
        help: "Seconds a streamed answer may go without a byte from the upstream before it is given up (504).")
    var readTimeout = 120.0

    @Option(
        name: .customLong("engine"),
        help: "Start the engine as a child process and front it: llama-server (llama.cpp; --model is a GGUF path) or vllm (--model is a model id or folder). Restarted with backoff if it exits, stopped on SIGTERM; its slots are --upstream-concurrency.")
    var engine: ManagedEngine.Kind?

    @Option(name: .customLong("engine-command"), help: "The engine's executable (default: llama-server or vllm on PATH).")
    var engineCommand: String?

    @Option(
        name: .customLong("engine-argument"), parsing: .unconditionalSingleValue,
        help: "One more argument for the engine's command line, as is (repeat it: --engine-argument=--flash-attn).")
    var engineArguments: [String] = []

    @Option(name: .customLong("engine-port"), help: "Loopback port for the engine (0: any free port).")
    var enginePort = 0

    enum Switch: String, ExpressibleByArgument {
        case on, off
    }

    func validate() throws {
        guard (1...100_000).contains(concurrency) else { throw ValidationError("--upstream-concurrency must be 1 to 100000") }
        if let reserved, !(0..<concurrency).contains(reserved) {
            throw ValidationError("--upstream-reserved must be 0 to --upstream-concurrency minus one")
        }
        guard (0.05...3600).contains(healthCheckInterval) else {
            throw ValidationError("--health-check-interval must be 0.05 to 3600 seconds")
        }
        guard (0...65535).contains(enginePort) else { throw ValidationError("--engine-port must be 0 to 65535") }
        guard (1...86_400).contains(requestTimeout) else { throw ValidationError("--upstream-timeout must be 1 to 86400 seconds") }
        guard (1...86_400).contains(readTimeout) else {
            throw ValidationError("--upstream-read-timeout must be 1 to 86400 seconds")
        }
        if engine == nil, engineCommand != nil || !engineArguments.isEmpty {
            throw ValidationError("--engine-command and --engine-argument need --engine")
        }
        for text in upstreams {
            do {
                let spec = try UpstreamSpec(parsing: text)
                _ = try UpstreamConfiguration(url: spec.url)
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    /// The fair admission of a pool of `members` upstreams.
    func scheduling(members: Int, queueTimeout: Duration, maximumQueued: Int) throws -> SchedulingConfiguration {
        try SchedulingConfiguration(
            concurrency: concurrency * members, reserved: reserved.map { $0 * members }, queueTimeout: queueTimeout,
            maximumQueued: maximumQueued)
    }

    /// The server's cache-salt secret: `ATRIUM_CACHE_SALT_SECRET` (at least 32 characters) or
    /// the key file in `home`.
    static func cacheSaltSecret(home: URL, environment: [String: String]) throws -> Data {
        if let secret = environment["ATRIUM_CACHE_SALT_SECRET"] {
            guard secret.utf8.count >= 32 else { throw ServeError("ATRIUM_CACHE_SALT_SECRET must be at least 32 characters") }
            return Data(secret.utf8)
        }
        return try CacheSalt.loadOrCreateSecret(at: home.appendingPathComponent("cache-salt.key"))
    }
}

extension ManagedEngine.Kind: ExpressibleByArgument {}
