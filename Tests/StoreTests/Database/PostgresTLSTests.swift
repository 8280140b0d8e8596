import Foundation
import Testing
@testable import Store

/// `sslmode` and `sslrootcert` as libpq reads them, against the test cluster, which
/// `scripts/with-test-postgres` starts with a certificate for the name `localhost` from a
/// throwaway authority (`ATRIUM_TEST_POSTGRES_CA`).
@Suite struct PostgresTLSTests {
    @Test func modesAreReadAsLibpqReadsThem() throws {
        for mode in PostgresTLS.Mode.allCases {
            let location = try #require(try PostgresLocation(url: "postgres://a@h/d?sslmode=\(mode.rawValue)"))
            #expect(location.tls.mode == mode)
        }
        #expect(try PostgresLocation(url: "postgres://a@h/d")?.tls.mode == .disable)
        #expect(try PostgresLocation(url: "postgres://a@h/d?sslmode=allow")?.tls.connectionSetting.isAllowed == false)
        #expect(try PostgresLocation(url: "postgres://a@h/d?sslmode=prefer")?.tls.connectionSetting.isEnforced == false)
        #expect(try PostgresLocation(url: "postgres://a@h/d?sslmode=require")?.tls.connectionSetting.isEnforced == true)
    }

    @Test func badTLSSettingsAreRefusedAtOnceAndClearly() throws {
        func refusal(_ url: String) -> String {
            do {
                _ = try PostgresLocation(url: url)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal("postgres://a:secret@h/d?sslmode=verify").contains("sslmode must be one of"))
        #expect(refusal("postgres://a:secret@h/d?sslmode=require&sslcert=/x").contains("does not know: sslcert"))
        #expect(refusal("postgres://a:secret@h/d?sslrootcert=/etc/hostname").contains("needs an sslmode that uses TLS"))
        #expect(refusal("postgres://a:secret@h/d?sslmode=verify-full&sslrootcert=/nonexistent/ca.crt").contains("cannot be read"))
        #expect(refusal("postgres://a:secret@h/d?sslmode=verify-full&sslrootcert=/etc/hostname").contains("no PEM certificate"))
        for url in ["postgres://a:secret@h/d?sslmode=verify", "postgres://a:secret@h/d?sslmode=verify-full&sslrootcert=/x"] {
            #expect(!refusal(url).contains("secret"))
        }
    }

    @Test func eachModeConnectsAsItSays() async throws {
        let (server, authority) = try Self.tlsServer()
        func encrypted(_ parameters: String, host: String = "127.0.0.1") async throws -> Bool {
            let location = try #require(try PostgresLocation(url: "postgres://\(server.user)@\(host):\(server.port)/\(server.database)?\(parameters)"))
            let rows = try await PostgresBackend.runOutsideTransaction(
                "SELECT CASE WHEN ssl THEN 1 ELSE 0 END AS encrypted FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                at: location)
            return try rows.first?.decode(Int.self, forColumn: "encrypted") == 1
        }
        #expect(try await encrypted("sslmode=disable") == false)
        #expect(try await encrypted("sslmode=prefer"))
        #expect(try await encrypted("sslmode=require"))
        #expect(try await encrypted("sslmode=verify-full&sslrootcert=\(authority)", host: "localhost"))
        // The certificate names `localhost`, not the address: by the address the chain is
        // still good (verify-ca), the identity is not (verify-full).
        #expect(try await encrypted("sslmode=verify-ca&sslrootcert=\(authority)"))
        await #expect(throws: (any Error).self) { try await encrypted("sslmode=verify-full&sslrootcert=\(authority)") }
        // Not signed by any of the system's authorities.
        await #expect(throws: (any Error).self) { try await encrypted("sslmode=verify-full", host: "localhost") }
    }

    /// The whole store over a verified connection: its migrations, then a read.
    @Test func theStoreRunsOverAVerifiedConnection() async throws {
        let (server, authority) = try Self.tlsServer()
        let name = "atrium_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        try await PostgresBackend.runOutsideTransaction("CREATE DATABASE \(name)", at: server)
        defer { PostgresBackend.dropInBackground(name, at: server) }
        let location = try #require(try PostgresLocation(
            url: "postgres://\(server.user)@localhost:\(server.port)/\(name)?sslmode=verify-full&sslrootcert=\(authority)"))
        let store = AtriumStore(postgres: location, poolSize: 2)
        #expect(await store.isReachable())
        try await store.migrate()
        #expect(try await store.organizations.organization(address: "acme") == nil)
    }

    private static func tlsServer() throws -> (PostgresLocation, String) {
        let server = try StoreBackendKind.postgresServer()
        guard let authority = ProcessInfo.processInfo.environment["ATRIUM_TEST_POSTGRES_CA"], !authority.isEmpty else {
            try Test.cancel("TLS case skipped: ATRIUM_TEST_POSTGRES_CA is not set (scripts/with-test-postgres sets it when openssl is installed)")
        }
        return (server, authority)
    }
}
