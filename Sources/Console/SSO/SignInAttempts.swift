import Foundation
import Gateway
import Tenancy

/// Sign-ins started at the identity provider and not yet come back: each `state` names one,
/// with its `nonce` (repeated in the ID token), its PKCE verifier and the browser it was
/// started in (the random value of a cookie only that browser holds). An attempt is used once
/// — taken out whether or not it matches — and expires after ``lifetime``; at most
/// ``capacity`` are held (the oldest make room), so a flood of starts costs bounded memory, and
/// at most ``perAddress`` for one client address (its own oldest make room): starts need no
/// credential, and one client's flood had evicted every other pending sign-in.
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
    private var pending: [String: Attempt] = [:]
    /// States in the order they were started, from `head` on (taken ones are skipped later).
    private var order: [String] = []
    private var head = 0
    /// Each address's states in the order it started them (taken and expired ones are dropped
    /// as the address starts again, and all at once when the map outgrows the attempts).
    private var byAddress: [String: [String]] = [:]

    init(lifetime: TimeInterval, now: @escaping @Sendable () -> Date) {
        self.lifetime = lifetime
        self.now = now
    }

    /// How many attempts are held now.
    var count: Int { pending.count }

    /// A new attempt from `address` (nil: unknown, counted as one address): its `state`, and the
    /// attempt itself. Expired attempts are dropped first, then the address's oldest while it
    /// holds ``perAddress``, then the oldest while the capacity is reached.
    func begin(browser: String, redirectURL: String, address: String? = nil) -> (state: String, attempt: Attempt) {
        let instant = now()
        let client = address ?? ""
        var own = (byAddress[client] ?? []).filter { pending[$0] != nil }
        while own.count >= Self.perAddress { pending[own.removeFirst()] = nil }
        while head < order.count {
            if let oldest = pending[order[head]], oldest.startedAt.addingTimeInterval(lifetime) > instant { break }
            pending[order[head]] = nil
            head += 1
        }
        while pending.count >= Self.capacity, head < order.count {
            pending[order[head]] = nil
            head += 1
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        let state = ConsoleSessions.newToken()
        let attempt = Attempt(
            nonce: ConsoleSessions.newToken(), verifier: ConsoleSessions.newToken(), browser: browser,
            redirectURL: redirectURL, startedAt: instant)
        pending[state] = attempt
        order.append(state)
        own.append(state)
        byAddress[client] = own
        if byAddress.count > 2 * Self.capacity {
            byAddress = byAddress.compactMapValues { states in
                let live = states.filter { pending[$0] != nil }
                return live.isEmpty ? nil : live
            }
        }
        return (state, attempt)
    }

    /// The attempt `state` names, once, if it is still live and was started in `browser`.
    func take(state: String, browser: String?) throws(SingleSignOnFailure) -> Attempt {
        guard let attempt = pending.removeValue(forKey: state) else { throw .state("sso.state_unknown") }
        guard attempt.startedAt.addingTimeInterval(lifetime) > now() else { throw .state("sso.state_expired") }
        guard let browser, ConstantTime.equals(Array(browser.utf8), Array(attempt.browser.utf8)) else {
            throw .state("sso.browser_mismatch")
        }
        return attempt
    }
}
