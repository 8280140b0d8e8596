import Testing
@testable import Store

/// `--database postgres://…`: parsed strictly, the password never shown.
@Suite struct PostgresLocationTests {
    @Test func aURLNamesServerUserAndDatabase() throws {
        let location = try #require(try PostgresLocation(url: "postgres://atrium:s%40cret@db.internal:6543/prod"))
        #expect(location.host == "db.internal" && location.port == 6543)
        #expect(location.user == "atrium" && location.database == "prod")
        #expect(location.password == "s@cret")
        #expect(location.description == "postgres://atrium@db.internal:6543/prod")
        #expect(!location.displayAddress.contains("cret"))
        #expect(try PostgresLocation(url: "postgresql://a@h/d")?.port == 5432)
    }

    @Test func aPathIsNotAPostgresLocation() throws {
        #expect(try PostgresLocation(url: "/var/lib/atrium/atrium.sqlite") == nil)
    }

    @Test func incompleteURLsAreRefusedClearly() {
        #expect(throws: StoreError.self) { try PostgresLocation(url: "postgres://db.internal/prod") }
        #expect(throws: StoreError.self) { try PostgresLocation(url: "postgres://atrium@db.internal") }
    }

    /// Nothing listens on port 1: the store answers "unavailable", never hangs or crashes.
    @Test func anUnreachableDatabaseIsUnavailableNotAnError() async throws {
        let location = try #require(try PostgresLocation(url: "postgres://atrium@127.0.0.1:1/atrium"))
        let store = AtriumStore(postgres: location, poolSize: 1)
        #expect(await store.isReachable() == false)
        do {
            _ = try await store.organizations.organization(address: "acme")
            Issue.record("a query against an unreachable database succeeded")
        } catch let error as StoreError {
            guard case .unavailable = error else { throw error }
            #expect(!error.description.contains("password"))
        }
    }
}
