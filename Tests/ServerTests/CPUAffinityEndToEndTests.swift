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

    /// The CPUs this test process may use (`Cpus_allowed_list`, e.g. `0-3,8`): the first to
    /// pin the server to, and how many a server started from here may use.
    static func allowedCPUs() throws -> [Int] {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        return line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
            .split(separator: ",").flatMap { range -> [Int] in
                let ends = range.split(separator: "-").compactMap { Int($0) }
                return ends.count == 2 ? Array(ends[0]...ends[1]) : ends
            }
    }

    /// What a server started from here counts, unrestricted: Foundation's count, bounded by the mask.
    static func unrestrictedCores() throws -> Int {
        min(ProcessInfo.processInfo.activeProcessorCount, try allowedCPUs().count)
    }

    @Test func aServerAllowedOneCPURunsOneEventLoopAndAllAreUsedUnrestricted() async throws {
        let model = try #require(EmbeddedModelEndToEndTests.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        let first = try #require(try Self.allowedCPUs().first)
        for (cpus, loops) in [(String(first) as String?, 1), (nil, try Self.unrestrictedCores())] {
            let server = try await ServerProcess(upstream: nil, extraArguments: ["--model", model], cpus: cpus)
            let health = try await LiveClient(baseURL: server.baseURL, client: HTTPClient.shared).call("GET", "/healthz")
            #expect(health.status == 200, "\(health.body)")
            let names = server.threadNames
            #expect(names.filter { $0.hasPrefix(Self.eventLoopPrefix) }.count == loops, "cpus \(cpus ?? "all"): \(names)")
            await server.stop()
        }
    }

    @Test func theModelsThreadsDefaultToTheAllowedCPUs() async throws {
        let first = try #require(try Self.allowedCPUs().first)
        for (prefix, threads) in [(["taskset", "-c", String(first)], 1), ([], try Self.unrestrictedCores())] {
            let help = try await ProgramRun.run(prefix + [ServerProcess.binary.path, "bench", "--help"])
            #expect(help.status == 0, "\(help.output)")
            #expect(help.output.contains("all cores). (default: \(threads))"), "\(prefix): \(help.output)")
        }
    }
}
