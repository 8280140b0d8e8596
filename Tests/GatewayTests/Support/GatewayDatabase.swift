import Foundation
import Testing
@testable import Store

/// The store a ``GatewayWorld`` runs on: a temporary SQLite folder, or a PostgreSQL database of
/// its own on the test server (`ATRIUM_TEST_POSTGRES_URL`, which `scripts/run-tests` sets;
/// without it the PostgreSQL cases cancel themselves, saying so).
enum GatewayDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// A fresh, migrated PostgreSQL database: its location and the server's (to drop it).
    static func makePostgres() async throws -> (database: PostgresLocation, server: PostgresLocation) {
        guard let url = ProcessInfo.processInfo.environment["ATRIUM_TEST_POSTGRES_URL"], !url.isEmpty else {
            try Test.cancel("PostgreSQL case skipped: ATRIUM_TEST_POSTGRES_URL is not set (scripts/run-tests sets it)")
        }
        let server = try #require(try PostgresLocation(url: url))
        let name = "atrium_gateway_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        try await PostgresBackend.runOutsideTransaction("CREATE DATABASE \(name)", at: server)
        let database = server.with(database: name)
        try await AtriumStore(postgres: database, poolSize: 4).migrate()
        return (database, server)
    }
}
