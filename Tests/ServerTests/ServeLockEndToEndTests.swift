import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// One `atrium serve` per SQLite store: a second server on a home in use refuses to start and
/// says where several servers belong (PostgreSQL), while the first serves on; the read-only
/// and maintenance commands run beside it; once the first is gone — stopped, or killed with
/// SIGKILL — a new one starts at once.
@Suite(.serialized) struct ServeLockEndToEndTests {
    static let ownerKey = "atrium-owner-key-for-serve-lock-tests"

    static func atrium(_ arguments: [String], home: URL) async throws -> ProgramRun {
        try await ProgramRun.run([ServerProcess.binary.path] + arguments, environment: ["ATRIUM_HOME": home.path])
    }

    @Test func aSecondServerOnASQLiteHomeInUseRefusesToStartAndTheFirstServesOn() async throws {
        let mock = try MockUpstream()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-lock-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let arguments = ["--model", "mock"]
        let environment = ["ATRIUM_ADMIN_KEY": Self.ownerKey]
        let first = try await ServerProcess(
            home: home, upstream: mock.baseURL, extraArguments: arguments, environment: environment)
        let http = LiveClient(baseURL: first.baseURL, client: HTTPClient.shared)
        #expect(try await http.call("POST", "/v1/admin/orgs", key: Self.ownerKey, json: ["name": "acme"]).status == 201)

        // Bounded: a second server that did start would otherwise serve for ever (124 then).
        let serve = [ServerProcess.binary.path, "serve", "--port", "0", "--upstream", mock.baseURL] + arguments
        let second = try await ProgramRun.run(
            ["timeout", "60"] + serve, environment: ["ATRIUM_HOME": home.path, "ATRIUM_ADMIN_KEY": Self.ownerKey])
        #expect(second.status == 1, "\(second.output)")
        #expect(
            second.output.contains("another atrium serve is running on ATRIUM_HOME \(home.path)"), "\(second.output)")
        #expect(second.output.contains("PostgreSQL") && second.output.contains("--database"), "\(second.output)")
        #expect(!second.output.contains("atrium listening"), "\(second.output)")

        // The first serves on, and the commands that never serve run beside it.
        #expect(try await http.call("GET", "/v1/admin/orgs", key: Self.ownerKey).status == 200)
        for command in [["audit", "verify"], ["audit", "export"], ["usage"], ["migrate"]] {
            let run = try await Self.atrium(command, home: home)
            #expect(run.status == 0, "atrium \(command.joined(separator: " ")) beside a server: \(run.output)")
        }
        #expect(try await http.call("GET", "/v1/admin/orgs", key: Self.ownerKey).status == 200)

        // Stopped, the first lets the next one start; killed (SIGKILL), the kernel frees the lock
        // with it, and a restart at once works too.
        #expect(await first.stop() == 0)
        let next = try await ServerProcess(
            home: home, upstream: mock.baseURL, extraArguments: arguments, environment: environment)
        next.killAndReap()
        let afterCrash = try await ServerProcess(
            home: home, upstream: mock.baseURL, extraArguments: arguments, environment: environment)
        let again = LiveClient(baseURL: afterCrash.baseURL, client: HTTPClient.shared)
        #expect(try await again.call("GET", "/v1/admin/orgs", key: Self.ownerKey).data.count == 1)
        #expect(await afterCrash.stop() == 0)
    }
}
