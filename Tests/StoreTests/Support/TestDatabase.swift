import Foundation
import Testing
@testable import Store

/// The backends the store suites run on. PostgreSQL needs `ATRIUM_TEST_POSTGRES_URL` (an
/// ordinary role that may create databases): `scripts/run-tests`, and so `make test`, start a
/// throwaway cluster and give it. Without it the PostgreSQL cases cancel themselves, saying so.
enum StoreBackendKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["ATRIUM_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static let skipReason: Comment =
        "PostgreSQL case skipped: ATRIUM_TEST_POSTGRES_URL is not set (scripts/run-tests sets it)"

    /// The console reporter does not show cancelled cases: say it once on stderr as well.
    private static let announceSkip: Void = FileHandle.standardError.write(Data("warning: \(skipReason)\n".utf8))

    /// The server the PostgreSQL cases use, or a cancelled test naming why there is none.
    static func postgresServer() throws -> PostgresLocation {
        guard let url = postgresURL else {
            _ = announceSkip
            try Test.cancel(skipReason)
        }
        return try #require(try PostgresLocation(url: url))
    }
}

/// A fresh, migrated database for one test — a temporary SQLite folder or a PostgreSQL
/// database of its own on the test server — removed when the value goes away.
final class TestDatabase: Sendable {
    let kind: StoreBackendKind
    let store: AtriumStore
    /// SQLite: the folder holding the file.
    let directory: URL?
    /// PostgreSQL: the test's own database, and the server database it was made from.
    let postgres: PostgresLocation?
    private let server: PostgresLocation?

    /// - Parameter migrated: PostgreSQL only (SQLite migrates on open): `false` leaves it empty.
    static func make(_ kind: StoreBackendKind, queryText: QueryTextPolicy = .full, migrated: Bool = true) async throws
        -> TestDatabase
    {
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-store-\(UUID().uuidString)")
            return TestDatabase(
                kind: kind, store: try AtriumStore(home: directory, queryText: queryText), directory: directory,
                postgres: nil, server: nil)
        case .postgres:
            let server = try StoreBackendKind.postgresServer()
            let name = "atrium_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
            try await PostgresBackend.runOutsideTransaction("CREATE DATABASE \(name)", at: server)
            let location = server.with(database: name)
            let database = TestDatabase(
                kind: kind, store: AtriumStore(postgres: location, poolSize: 4, queryText: queryText), directory: nil,
                postgres: location, server: server)
            if migrated { try await database.store.migrate() }
            return database
        }
    }

    private init(
        kind: StoreBackendKind, store: AtriumStore, directory: URL?, postgres: PostgresLocation?,
        server: PostgresLocation?
    ) {
        self.kind = kind
        self.store = store
        self.directory = directory
        self.postgres = postgres
        self.server = server
    }

    deinit {
        if let directory { try? FileManager.default.removeItem(at: directory) }
        // Never waited for here: a blocked Swift concurrency thread would stall other tests.
        if let postgres, let server { PostgresBackend.dropInBackground(postgres.database, at: server) }
    }
}
