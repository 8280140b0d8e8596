import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// Atrium restricted to some CPUs (`taskset`, systemd's `CPUAffinity=`, a cpuset) sizes its
/// threads to them: NIO and Foundation count the machine's cores, not the affinity mask, and a
/// model's thread pool with more workers than allowed cores spins them against each other on
/// one core (decoding at about half the speed, measured).
@Suite(.serialized) struct CPUAffinityEndToEndTests {
    static let eventLoopPrefix = "NIO-SGLTN-"

    @Test func aServerAllowedOneCPURunsOneEventLoopAndAllAreUsedUnrestricted() async throws {
        let model = try #require(EmbeddedModelEndToEndTests.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        for (cpus, loops) in [("0", 1), (nil, ProcessInfo.processInfo.activeProcessorCount)] {
            let server = try await ServerProcess(upstream: nil, extraArguments: ["--model", model], cpus: cpus)
            let health = try await LiveClient(baseURL: server.baseURL, client: HTTPClient.shared).call("GET", "/healthz")
            #expect(health.status == 200, "\(health.body)")
            let names = server.threadNames
            #expect(names.filter { $0.hasPrefix(Self.eventLoopPrefix) }.count == loops, "cpus \(cpus ?? "all"): \(names)")
            await server.stop()
        }
    }

    @Test func theModelsThreadsDefaultToTheAllowedCPUs() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        for (prefix, threads) in [(["taskset", "-c", "0"], 1), ([], cores)] {
            let help = try await ProgramRun.run(prefix + [ServerProcess.binary.path, "bench", "--help"])
            #expect(help.status == 0, "\(help.output)")
            #expect(help.output.contains("all cores). (default: \(threads))"), "\(prefix): \(help.output)")
        }
    }
}
