import ArgumentParser
import Foundation
import Store

/// `atrium store …`: moving a store between backends.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Copy a store from SQLite to PostgreSQL.", subcommands: [Copy.self])

    /// `atrium store copy --from SQLITE_PATH --to postgres://…`: every table, ids and hashes
    /// kept, in one transaction on the target; refuses a target that holds any row.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every table of a SQLite store into an empty PostgreSQL database (migrating it first).",
            discussion: "Stop the servers that write the SQLite file first: the copy is one snapshot of it.")

        @Option(help: "The SQLite file to copy (an existing atrium.sqlite).")
        var from: String

        @Option(help: "The PostgreSQL database to copy into: postgres://user[:password]@host[:port]/database.")
        var to: String

        func validate() throws {
            guard FileManager.default.fileExists(atPath: from) else {
                throw ValidationError("--from: no file at \(from)")
            }
            guard to.hasPrefix("postgres://") || to.hasPrefix("postgresql://") else {
                throw ValidationError("--to must be a postgres:// URL")
            }
        }

        func run() async throws {
            let source = try AtriumStore(path: from)
            let options = try StoreOptions.parse(["--database", to, "--database-pool-size", "1"])
            let target = try await options.open(home: URL(fileURLWithPath: "."), migratePending: true)
            do {
                let copied = try await StoreCopy.copy(from: source, to: target)
                for table in copied where table.rows > 0 { print("\(table.table): \(table.rows) rows") }
                // The location as shown everywhere: never the password.
                let shown = (try? PostgresLocation(url: to))??.description ?? "PostgreSQL"
                print("copied \(copied.reduce(0) { $0 + $1.rows }) rows into \(shown)")
            } catch let error as StoreError {
                throw ValidationError(error.description)
            }
        }
    }
}
