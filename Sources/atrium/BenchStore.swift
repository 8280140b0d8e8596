import ArgumentParser
import Foundation
import Store
import Tenancy

/// `atrium bench-store` (hidden): what the store costs one request before it reaches a model —
/// authenticate the key (key and holder's role), then read the team's and key's limits and the
/// team's profile, each in its own transaction, as the gateway does — on a temporary SQLite file
/// and, with `--database`, on PostgreSQL, side by side in one run. On PostgreSQL it measures as
/// well (`postgres+limits`) what the shared limits add: the client address's block check, the
/// admission, the token reservation and the release, a statement each (SQLite's limits are in
/// memory and cost the store nothing).
/// Beside it (`work` = `version`), what a replica whose directory cache is warm still pays on
/// every request: the one reading of the shared directory version (``AtriumStore/directoryVersion()``;
/// SQLite has none to read), which keeps several replicas' caches exact.
///
/// The key's last use is not written per request here, as it is not in the gateway (its
/// accounting writer batches them).
struct BenchStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-store", abstract: "Measure the store's per-request reads on SQLite and PostgreSQL.",
        shouldDisplay: false)

    @Option(
        name: .customLong("database"),
        help: "An empty PostgreSQL database (postgres://…) to measure beside the SQLite file; it is migrated and given one organization, team, user and key.")
    var database: String?

    @Option(help: "Timed requests per measurement (after 200 warm-up requests).")
    var requests = 5000

    @Option(help: "Requests in flight at once; repeat for several.")
    var concurrency: [Int] = [1, 32]

    @Option(name: .customLong("database-pool-size"), help: "PostgreSQL connections.")
    var poolSize = 16

    func validate() throws {
        guard requests >= 100, !concurrency.isEmpty, concurrency.allSatisfy({ (1...1024).contains($0) }) else {
            throw ValidationError("--requests must be ≥ 100 and --concurrency 1…1024")
        }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-bench-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var stores: [(name: String, store: AtriumStore, limits: Bool)] = [("sqlite", try AtriumStore(home: directory), false)]
        if let database {
            guard let location = try PostgresLocation(url: database) else {
                throw ValidationError("--database must be a postgres:// URL")
            }
            let store = AtriumStore(postgres: location, poolSize: poolSize)
            try await store.requireRowLevelSecurity()
            try await store.migrate()
            stores.append(("postgres", store, false))
            stores.append(("postgres+limits", store, true))
        }
        print("backend          work     concurrency  requests      req/s   p50 ms   p99 ms")
        var fixtures: [ObjectIdentifier: Fixture] = [:]
        for (name, store, limits) in stores {
            var fixture: Fixture
            if let made = fixtures[ObjectIdentifier(store)] {
                fixture = made
            } else {
                fixture = try await Fixture.make(store)
                fixtures[ObjectIdentifier(store)] = fixture
            }
            fixture.sharedLimits = limits
            // The version read does not depend on the limits: measured once per store.
            for work in limits ? [.reads] : Work.allCases {
                _ = try await measure(fixture, work, concurrency: 8, requests: 200)
                for level in concurrency {
                    let result = try await measure(fixture, work, concurrency: level, requests: requests)
                    print(
                        name.padding(toLength: 17, withPad: " ", startingAt: 0)
                            + work.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                            + String(
                                format: "%12d %9d %10.0f %8.3f %8.3f", level, requests, result.perSecond, result.p50, result.p99))
                }
            }
        }
    }

    /// What one request does.
    enum Work: String, CaseIterable {
        /// Authenticate, read limits and profile: every request with a cold cache.
        case reads
        /// Read the shared directory version: every request with a warm cache.
        case version
    }

    /// One request's store work; its latency in milliseconds.
    private static func request(_ fixture: Fixture, _ work: Work) async throws -> Double {
        let start = ContinuousClock.now
        if work == .version {
            _ = try await fixture.store.directoryVersion()
            return milliseconds(since: start)
        }
        let principal = try await fixture.authenticator.authenticate(presentedKey: fixture.key)
        guard let scope = principal.tenantScope else { throw ValidationError("the bench key has no team") }
        let limits = try await fixture.store.limits.requestLimits(in: scope)
        _ = try await fixture.store.profiles.profile(in: scope)
        if fixture.sharedLimits, let counters = fixture.store.sharedLimits, let addresses = fixture.store.sharedAddresses {
            // The gateway's order: the address before the key; admission after authorize; the
            // tokens once composed; the release when the answer ends.
            let date = Date()
            _ = try await addresses.blockedUntil("192.0.2.1", at: date)
            let subjects = [
                SharedLimitCounters.Subject(
                    id: "team:\(scope.teamID.rawValue)", requestsPerMinute: limits.team.requestsPerMinute,
                    tokensPerMinute: limits.team.tokensPerMinute, maxConcurrent: limits.team.maxConcurrent),
                SharedLimitCounters.Subject(
                    id: "key:\(scope.principal.keyID.rawValue)", requestsPerMinute: limits.key.requestsPerMinute,
                    tokensPerMinute: limits.key.tokensPerMinute, maxConcurrent: limits.key.maxConcurrent),
            ]
            let lease = UUID().uuidString
            let month = String(ISO8601DateFormatter().string(from: date).prefix(7))
            let refusals = try await counters.admit(
                subjects, in: scope, lease: lease, month: month, monthlyBudget: limits.team.monthlyTokens, at: date)
            guard refusals.isEmpty else { throw ValidationError("the bench's limits refused a request") }
            _ = try await counters.reserve(100, for: subjects, in: scope, at: date)
            try await counters.release(
                subjects, in: scope, lease: lease, tokensBack: 90, requestBack: false, month: month, usedTokens: 10)
        }
        return milliseconds(since: start)
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    private func measure(_ fixture: Fixture, _ work: Work, concurrency: Int, requests: Int) async throws
        -> (perSecond: Double, p50: Double, p99: Double)
    {
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<concurrency {
                let share = requests / concurrency + (worker < requests % concurrency ? 1 : 0)
                group.addTask {
                    var latencies: [Double] = []
                    for _ in 0..<share { latencies.append(try await Self.request(fixture, work)) }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }.sorted()
        }
        let wall = ContinuousClock.now - start
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return (Double(requests) / seconds, percentile(0.5), percentile(0.99))
    }

    /// An organization with one team, a member and the member's key, with team limits set.
    struct Fixture: Sendable {
        let store: AtriumStore
        let authenticator: KeyAuthenticator
        let key: String
        /// Whether each request also goes through the shared limits (PostgreSQL).
        var sharedLimits = false

        static func make(_ store: AtriumStore) async throws -> Fixture {
            guard let ownerKey = try await store.bootstrapOwnerIfEmpty(presetKey: nil) else {
                throw ValidationError("bench-store needs an empty database")
            }
            let owner = try await KeyAuthenticator(lookup: store.keys).authenticate(presentedKey: ownerKey)
            let organization = try await store.organizations.create(
                named: "bench", Policy.authorize(owner, .createOrganization, on: .platform))
            let team = try await store.teams.create(
                named: "team", Policy.authorize(owner, .createTeam, on: organization.resource))
            let user = try await store.users.create(
                named: "member", in: organization.id, Policy.authorize(owner, .createUser, on: .userDirectory))
            try await store.memberships.setTeamRole(
                .member, for: user.id, Policy.authorize(owner, .addMember, on: team.resource))
            try await store.limits.set(
                try TeamLimits(
                    requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000, maxConcurrent: 10_000,
                    monthlyTokens: 1_000_000_000_000),
                Policy.authorize(owner, .setLimits, on: team.resource))
            let issued = try await store.keys.issue(
                KeyRequest(holder: user.id, binding: .team(team.reference), role: .member, name: "bench"),
                Policy.authorize(owner, .issueKey, on: team.resource))
            return Fixture(
                store: store, authenticator: KeyAuthenticator(lookup: ReadOnlyKeys(keys: store.keys)),
                key: issued.secret.revealed)
        }
    }

    /// The key repository without the per-request last-use write.
    struct ReadOnlyKeys: KeyCredentialLookup {
        let keys: KeyRepository
        func credentials(matching hash: APIKeyHash) async throws -> KeyCredentials? {
            try await keys.credentials(matching: hash)
        }
        func recordUse(of key: APIKeyID, at date: Date) async throws {}
    }
}
