import Crypto
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The `cache_salt` an upstream engine mixes into its prefix-cache keys (vLLM), so one team's
/// prompts never produce cache hits — or their timing — for another team.
///
/// The salt is HMAC-SHA256 of the team's ids under a server secret, in base64url: the same for
/// every request of a team, different between teams, and without the secret it reveals
/// neither the team's id nor its name (nor lets anyone compute another team's salt).
///
/// ```swift
/// let salts = CacheSalt(secret: secretBytes)
/// salts.salt(for: request.tenant)   // "q3V…", 43 characters
/// ```
///
/// Each team's salt is computed once and remembered (it is on every upstream request's path).
public final class CacheSalt: Sendable {
    static let capacity = 10_000
    private let secret: [UInt8]
    private let known = Mutex<[TenantKey: String]>([:])

    /// - Parameter secret: at least 32 random bytes, kept by the server (never sent anywhere).
    public init(secret: some DataProtocol) {
        self.secret = Array(secret)
    }

    public func salt(for tenant: TenantKey) -> String {
        if let salt = known.withLock({ $0[tenant] }) { return salt }
        let salt = computed(for: tenant)
        known.withLock { known in
            if known.count >= Self.capacity { known.removeAll(keepingCapacity: true) }
            known[tenant] = salt
        }
        return salt
    }

    private func computed(for tenant: TenantKey) -> String {
        let message = "atrium-cache-salt\u{0}\(tenant.organizationID.rawValue)\u{0}\(tenant.teamID.rawValue)"
        let code = HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: secret))
        return Data(code).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The server's secret from `file`, created there (32 random bytes, owner-only) on first use,
    /// so salts — and the engine's cached prefixes — survive restarts. Two processes starting
    /// on one home at once agree: the secret is written to a file of its own and linked into
    /// place, which fails if another process got there first — then that one's is read.
    /// (Replicas on separate homes share the secret through `ATRIUM_CACHE_SALT_SECRET`.)
    public static func loadOrCreateSecret(at file: URL) throws -> Data {
        if let existing = try? Data(contentsOf: file), existing.count >= 32 { return existing }
        var generator = SystemRandomNumberGenerator()
        let secret = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let draft = file.deletingLastPathComponent()
            .appendingPathComponent(".\(file.lastPathComponent).\(UInt64.random(in: .min ... .max, using: &generator))")
        guard FileManager.default.createFile(atPath: draft.path, contents: secret, attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown) }
        defer { _ = unlink(draft.path) }
        if link(draft.path, file.path) == 0 { return secret }
        guard errno == EEXIST, let existing = try? Data(contentsOf: file), existing.count >= 32 else {
            throw CocoaError(.fileWriteUnknown)
        }
        return existing
    }
}
