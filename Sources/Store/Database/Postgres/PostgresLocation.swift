import Foundation
import PostgresNIO

/// Where a PostgreSQL database is: `postgres://user[:password]@host[:port]/database`
/// (`postgresql://` too). The password never appears in ``displayAddress`` or in an error.
/// TLS is not offered yet: `sslmode=require` (or `verify-*`) is refused rather than ignored.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let user: String
    let password: String?
    public let database: String

    /// Parses a `postgres://` URL, or returns `nil` for anything else (a SQLite path).
    public init?(url text: String) throws {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else { return nil }
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty else {
            throw StoreError.invalidValue(field: "database", problem: "not a postgres://user@host:port/database URL")
        }
        guard let user = url.user, !user.isEmpty else {
            throw StoreError.invalidValue(field: "database", problem: "the PostgreSQL URL names no user")
        }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError.invalidValue(field: "database", problem: "the PostgreSQL URL names no database")
        }
        let sslMode = url.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        guard ["disable", "allow", "prefer"].contains(sslMode) else {
            throw StoreError.notYetSupported("TLS connections (sslmode=\(sslMode))")
        }
        self.host = host
        port = url.port ?? 5432
        self.user = user
        password = url.password.flatMap { $0.removingPercentEncoding ?? $0 }
        self.database = database
    }

    /// `user@host:port/database`, without the password.
    public var displayAddress: String { "\(user)@\(host):\(port)/\(database)" }

    public var description: String { "postgres://\(displayAddress)" }

    /// The same server and user, another database (tests make one each).
    func with(database: String) -> PostgresLocation {
        PostgresLocation(host: host, port: port, user: user, password: password, database: database)
    }

    private init(host: String, port: Int, user: String, password: String?, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    var connectionConfiguration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }
}
