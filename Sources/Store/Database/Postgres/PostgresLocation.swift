import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is: `postgres://user[:password]@host[:port]/database`
/// (`postgresql://` too), with libpq's `sslmode` and `sslrootcert` parameters. The password
/// never appears in ``displayAddress`` or in an error.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let user: String
    let password: String?
    public let database: String
    public let tls: PostgresTLS

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
        let parameters = url.queryItems ?? []
        func parameter(_ name: String) -> String? { parameters.last(where: { $0.name == name })?.value }
        if let unknown = parameters.first(where: { !["sslmode", "sslrootcert"].contains($0.name) }) {
            throw StoreError.invalidValue(
                field: "database", problem: "the PostgreSQL URL has a parameter Atrium does not know: \(unknown.name)")
        }
        self.host = host
        port = url.port ?? 5432
        self.user = user
        password = url.password.flatMap { $0.removingPercentEncoding ?? $0 }
        self.database = database
        tls = try PostgresTLS(mode: parameter("sslmode"), rootCertificate: parameter("sslrootcert"))
    }

    /// `user@host:port/database`, without the password.
    public var displayAddress: String { "\(user)@\(host):\(port)/\(database)" }

    public var description: String { "postgres://\(displayAddress)" }

    /// The same server, user and TLS settings, another database (tests make one each).
    func with(database: String) -> PostgresLocation {
        PostgresLocation(host: host, port: port, user: user, password: password, database: database, tls: tls)
    }

    private init(host: String, port: Int, user: String, password: String?, database: String, tls: PostgresTLS) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    var connectionConfiguration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls.connectionSetting)
    }
}

/// How a connection to PostgreSQL is encrypted: libpq's `sslmode`, with the same meanings.
///
/// - `disable` (Atrium's default, unlike libpq's `prefer`: a choice made explicit in the URL),
///   `allow`: no TLS.
/// - `prefer`: TLS when the server offers it, the certificate not checked.
/// - `require`: TLS or no connection; the certificate is not checked unless `sslrootcert`
///   names a root, which makes it `verify-ca` (as libpq does).
/// - `verify-ca`: TLS, and the server's certificate must chain to `sslrootcert` (or to the
///   system's roots).
/// - `verify-full`: as `verify-ca`, and the certificate must name the host: a DNS name in it
///   matching the URL's host, or an IP address in it matching the address connected to
///   (swift-nio-ssl's RFC 6125 check, slightly wider than libpq's).
///
/// The TLS context is built once, when the URL is read, so a missing or unreadable root
/// certificate stops `atrium serve` at start with a clear message instead of failing every
/// connection later.
public struct PostgresTLS: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public let mode: Mode
    public let rootCertificate: String?
    private let context: NIOSSLContext?

    init(mode text: String?, rootCertificate: String?) throws {
        guard let mode = Mode(rawValue: text ?? Mode.disable.rawValue) else {
            let known = Mode.allCases.map(\.rawValue).joined(separator: ", ")
            throw StoreError.invalidValue(field: "database", problem: "sslmode must be one of \(known)")
        }
        self.mode = mode
        self.rootCertificate = rootCertificate
        var verification: CertificateVerification
        switch mode {
        case .disable, .allow:
            guard rootCertificate == nil else {
                throw StoreError.invalidValue(field: "database", problem: "sslrootcert needs an sslmode that uses TLS")
            }
            context = nil
            return
        case .prefer: verification = .none
        case .require: verification = rootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA: verification = .noHostnameVerification
        case .verifyFull: verification = .fullVerification
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = verification
        if let rootCertificate {
            guard FileManager.default.isReadableFile(atPath: rootCertificate) else {
                throw StoreError.invalidValue(field: "database", problem: "sslrootcert \(rootCertificate) cannot be read")
            }
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(rootCertificate))
            } catch {
                throw StoreError.invalidValue(
                    field: "database", problem: "sslrootcert \(rootCertificate) holds no PEM certificate")
            }
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw StoreError.invalidValue(field: "database", problem: "the TLS settings could not be used: \(error)")
        }
    }

    var connectionSetting: PostgresConnection.Configuration.TLS {
        guard let context else { return .disable }
        return mode == .prefer ? .prefer(context) : .require(context)
    }

    public static func == (left: PostgresTLS, right: PostgresTLS) -> Bool {
        left.mode == right.mode && left.rootCertificate == right.rootCertificate
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(mode)
        hasher.combine(rootCertificate)
    }
}
