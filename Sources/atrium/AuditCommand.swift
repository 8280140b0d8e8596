import ArgumentParser
import Foundation
import Gateway
import Server
import Store

/// `atrium audit …`: checks, exports and retention of the audit log in `ATRIUM_HOME`, or in
/// the store `--database` names (another SQLite file, or the PostgreSQL database replicas share).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Verify, export and prune the audit log.",
        subcommands: [Verify.self, Export.self, Prune.self])

    /// The store `options` name, which must exist already: a SQLite file is never created
    /// here, and a PostgreSQL database must be reachable and migrated.
    static func openStore(_ options: StoreOptions) async throws -> AtriumStore {
        let home = URL(fileURLWithPath: ProcessInfo.processInfo.environment["ATRIUM_HOME"] ?? "./.atrium")
        let path = options.database ?? home.appendingPathComponent(AtriumStore.fileName).path
        let postgres = path.hasPrefix("postgres://") || path.hasPrefix("postgresql://")
        guard postgres || FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no database at \(path) (set ATRIUM_HOME or --database)")
        }
        return try await options.open(home: home, migratePending: false)
    }

    /// `atrium audit verify`: walks the hash chain; exit code 1 and the first broken record
    /// when it is broken.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the audit log's hash chain and name the first broken record.")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let verification = try await AuditCommand.openStore(store).audit.verify()
            if let broken = verification.firstBreak {
                print("audit chain BROKEN: \(broken) (\(verification.intactRecords) records intact before it)")
                throw ExitCode(1)
            }
            print("audit chain intact: \(verification.intactRecords) records")
        }
    }

    /// `atrium audit export`: the records in chain order as JSON lines, each with its `hash`
    /// and `prev_hash`.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write audit records as JSON lines (each with its hash and the previous record's hash).")

        static let pageSize = 1000

        @Option(help: "Only records at or after this time (ISO 8601 or Unix seconds).")
        var since: String?

        @Option(help: "Only records before this time (ISO 8601 or Unix seconds).")
        var until: String?

        @Option(help: "Write to this file (created readable by its owner only) instead of standard output.")
        var output: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            _ = try Self.instant(since, option: "--since")
            _ = try Self.instant(until, option: "--until")
        }

        func run() async throws {
            let store = try await AuditCommand.openStore(store)
            let (since, until) = (try Self.instant(since, option: "--since"), try Self.instant(until, option: "--until"))
            let sink = try output.map(Self.privateFile) ?? FileHandle.standardOutput
            var after: Int64 = 0
            var written = 0
            while true {
                let page = try await store.audit.chain(after: after, since: since, until: until, limit: Self.pageSize)
                guard let last = page.last else { break }
                sink.write(Data(page.map { $0.exportLine + "\n" }.joined().utf8))
                after = last.id
                written += page.count
            }
            if let output {
                try sink.close()
                Serve.printError("exported \(written) audit records to \(output)")
            }
        }

        static func instant(_ text: String?, option: String) throws -> Date? {
            guard let text else { return nil }
            guard let date = Instant.parse(text) else {
                throw ValidationError("\(option) must be \(Instant.expected), not '\(text)'")
            }
            return date
        }

        /// Audit records hold who asked what: the export is readable by its owner only.
        static func privateFile(_ path: String) throws -> FileHandle {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw ValidationError("cannot create \(path)")
            }
            return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }
    }

    /// `atrium audit prune --older-than DAYS`: retention by age, leaving a verifiable chain.
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete audit records older than DAYS days; a checkpoint record keeps the rest verifiable.")

        @Option(name: .customLong("older-than"), help: "Age in days of the records to delete (0: everything so far).")
        var olderThan: Int

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard olderThan >= 0 else { throw ValidationError("--older-than must be 0 or more days") }
        }

        func run() async throws {
            let cutoff = Date().addingTimeInterval(-Double(olderThan) * 86_400)
            do {
                let pruning = try await AuditCommand.openStore(store).audit.prune(olderThan: cutoff)
                guard let checkpoint = pruning.checkpointRecord else {
                    print("no audit records older than \(olderThan) days")
                    return
                }
                print("pruned \(pruning.deletedRecords) audit records older than \(olderThan) days; checkpoint record \(checkpoint.id)")
            } catch let error as AuditChainBroken {
                print("audit chain BROKEN: \(error.firstBreak); nothing was pruned")
                throw ExitCode(1)
            }
        }
    }
}
