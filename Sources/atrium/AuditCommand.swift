import ArgumentParser
import Foundation
import Store

/// `atrium audit …`: checks on the audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit log.", subcommands: [Verify.self])

    /// `atrium audit verify`: walks the hash chain; exit code 1 and the first broken record
    /// when it is broken.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the audit log's hash chain and name the first broken record.")

        func run() async throws {
            let home = ProcessInfo.processInfo.environment["ATRIUM_HOME"] ?? "./.atrium"
            let path = URL(fileURLWithPath: home).appendingPathComponent(AtriumStore.fileName).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("no database at \(path) (set ATRIUM_HOME)")
            }
            let verification = try await AtriumStore(path: path).audit.verify()
            if let broken = verification.firstBreak {
                print("audit chain BROKEN: \(broken) (\(verification.intactRecords) records intact before it)")
                throw ExitCode(1)
            }
            print("audit chain intact: \(verification.intactRecords) records")
        }
    }
}
