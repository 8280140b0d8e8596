import Foundation
import Gateway
import Tenancy

/// Sign-ins started at the identity provider and not yet come back: each `state` names one,
/// with its `nonce` (repeated in the ID token), its PKCE verifier and the browser it was
/// started in (the random value of a cookie only that browser holds). An attempt is used once
/// — taken out whether or not it matches — and expires after ``lifetime``.
///
/// Starts need no credential, so what a flood of them may take is bounded: at most
/// ``perAddress`` attempts for one client (``ClientNetwork``: an IPv6 client's whole /64; its own
/// oldest make room), and at most ``capacity`` in all. When all are held, the client holding
/// the most gives way (its oldest attempt), not the oldest attempt overall: a flood from a few
/// hundred addresses had evicted everyone's pending sign-in while they were at the provider.
/// Now a person's one attempt goes only once every flooding client is down to one as well.
actor SignInAttempts {
    struct Attempt: Sendable {
        let nonce: String
        let verifier: String
        let browser: String
        let redirectURL: String
        let startedAt: Date
    }

    static let capacity = 10_000
    static let perAddress = 32
    let lifetime: TimeInterval
    private let now: @Sendable () -> Date
    /// The attempts held, by state, with the client each came from (`nil`: an unknown address,
    /// counted as one client).
    private var pending: [String: (attempt: Attempt, client: ClientNetwork?)] = [:]
    /// States in the order they were started, from `head` on: the order they expire in, and
    /// who goes first among clients holding one each. Taken and evicted ones are skipped when
    /// reached, and dropped whenever they outnumber the held ones (``compactOrder()``).
    private var order: [String] = []
    private var head = 0
    /// Each client's held states, oldest first (at most ``perAddress``).
    private var byClient: [ClientNetwork?: [String]] = [:]
    /// The clients holding `n` attempts, at index `n`: a full table finds the client holding
    /// the most in ``perAddress`` steps, not by counting 10,000 attempts.
    private var holding = [Set<ClientNetwork?>](repeating: [], count: perAddress + 1)

    init(lifetime: TimeInterval, now: @escaping @Sendable () -> Date) {
        self.lifetime = lifetime
        self.now = now
    }

    /// How many attempts are held now.
    var count: Int { pending.count }

    /// A new attempt from `address` (nil: unknown): its `state`, and the attempt itself.
    /// Expired attempts are dropped first, then the client's oldest while it holds
    /// ``perAddress``, then one of the client holding the most while the capacity is reached.
    func begin(browser: String, redirectURL: String, address: String? = nil) -> (state: String, attempt: Attempt) {
        let instant = now()
        let client = address.flatMap(ClientNetwork.init(ipAddress:))
        while head < order.count {
            if let oldest = pending[order[head]], oldest.attempt.startedAt.addingTimeInterval(lifetime) > instant { break }
            remove(order[head])
            head += 1
        }
        while let own = byClient[client], own.count >= Self.perAddress { remove(own[0]) }
        while pending.count >= Self.capacity { evictFromTheLargestClient() }
        compactOrder()
        let state = ConsoleSessions.newToken()
        let attempt = Attempt(
            nonce: ConsoleSessions.newToken(), verifier: ConsoleSessions.newToken(), browser: browser,
            redirectURL: redirectURL, startedAt: instant)
        pending[state] = (attempt, client)
        order.append(state)
        var own = byClient[client] ?? []
        holding[own.count].remove(client)
        own.append(state)
        byClient[client] = own
        holding[own.count].insert(client)
        return (state, attempt)
    }

    /// The attempt `state` names, once, if it is still live and was started in `browser`.
    func take(state: String, browser: String?) throws(SingleSignOnFailure) -> Attempt {
        guard let attempt = remove(state) else { throw .state("sso.state_unknown") }
        guard attempt.startedAt.addingTimeInterval(lifetime) > now() else { throw .state("sso.state_expired") }
        guard let browser, ConstantTime.equals(Array(browser.utf8), Array(attempt.browser.utf8)) else {
            throw .state("sso.browser_mismatch")
        }
        return attempt
    }

    /// The oldest attempt of the client holding the most; among clients holding one each, the
    /// oldest attempt of all.
    private func evictFromTheLargestClient() {
        if let most = (2...Self.perAddress).last(where: { !holding[$0].isEmpty }),
            let client = holding[most].first, let oldest = byClient[client]?.first
        {
            remove(oldest)
            return
        }
        while head < order.count {
            let state = order[head]
            head += 1
            if remove(state) != nil { return }
        }
    }

    /// Takes `state` out of every index; its attempt, if it was held.
    @discardableResult
    private func remove(_ state: String) -> Attempt? {
        guard let held = pending.removeValue(forKey: state), var own = byClient[held.client] else { return nil }
        holding[own.count].remove(held.client)
        own.removeAll { $0 == state }
        byClient[held.client] = own.isEmpty ? nil : own
        if !own.isEmpty { holding[own.count].insert(held.client) }
        return held.attempt
    }

    /// Drops the taken and evicted states from ``order`` once they outnumber the held ones, so
    /// that it stays within twice the capacity however long the oldest held attempt lives
    /// (each drop costs one pass, after as many starts).
    private func compactOrder() {
        guard order.count - head > 2 * Self.capacity || (head > 1024 && head * 2 > order.count) else { return }
        order = order[head...].filter { pending[$0] != nil }
        head = 0
    }
}
