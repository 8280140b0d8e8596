import Foundation
import Synchronization
import Testing

@testable import Console

/// Started SSO attempts: used once, only by the browser that started them, only while fresh.
@Suite struct SignInAttemptsTests {
    final class Clock: Sendable {
        let instant = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { instant.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    @Test func anAttemptIsTakenOnceByItsOwnBrowser() async throws {
        let clock = Clock()
        let attempts = SignInAttempts(lifetime: 600, now: { clock.now })
        let (state, started) = await attempts.begin(browser: "browser-a", redirectURL: "http://127.0.0.1/cb")
        let taken = try await attempts.take(state: state, browser: "browser-a")
        #expect(taken.nonce == started.nonce && taken.verifier == started.verifier)
        await #expect(throws: SingleSignOnFailure.state("sso.state_unknown")) {
            try await attempts.take(state: state, browser: "browser-a")
        }
    }

    @Test func anotherBrowserSpendsButCannotUseIt() async throws {
        let clock = Clock()
        let attempts = SignInAttempts(lifetime: 600, now: { clock.now })
        let (state, _) = await attempts.begin(browser: "browser-a", redirectURL: "http://127.0.0.1/cb")
        await #expect(throws: SingleSignOnFailure.state("sso.browser_mismatch")) {
            try await attempts.take(state: state, browser: "browser-b")
        }
        await #expect(throws: SingleSignOnFailure.state("sso.state_unknown")) {
            try await attempts.take(state: state, browser: "browser-a")
        }
    }

    @Test func anAttemptExpires() async throws {
        let clock = Clock()
        let attempts = SignInAttempts(lifetime: 600, now: { clock.now })
        let (state, _) = await attempts.begin(browser: "browser-a", redirectURL: "http://127.0.0.1/cb")
        clock.advance(601)
        await #expect(throws: SingleSignOnFailure.state("sso.state_expired")) {
            try await attempts.take(state: state, browser: "browser-a")
        }
    }

    @Test func aFloodOfStartsKeepsAtMostTheCapacity() async throws {
        let clock = Clock()
        let attempts = SignInAttempts(lifetime: 600, now: { clock.now })
        let (first, _) = await attempts.begin(browser: "b", redirectURL: "http://127.0.0.1/cb", address: "first")
        for index in 0..<SignInAttempts.capacity {
            _ = await attempts.begin(browser: "b", redirectURL: "http://127.0.0.1/cb", address: "address-\(index % 5000)")
        }
        #expect(await attempts.count == SignInAttempts.capacity)
        await #expect(throws: SingleSignOnFailure.state("sso.state_unknown"), "the oldest made room") {
            try await attempts.take(state: first, browser: "b")
        }
    }

    /// Starts need no credential: one address's flood (10,005 starts in 4 s, attack round 4) had
    /// evicted every other pending sign-in. It now evicts only its own.
    @Test func oneAddressesFloodEvictsOnlyItsOwnAttempts() async throws {
        let clock = Clock()
        let attempts = SignInAttempts(lifetime: 600, now: { clock.now })
        let (honest, _) = await attempts.begin(browser: "b", redirectURL: "http://127.0.0.1/cb", address: "10.0.0.1")
        let (flooderFirst, _) = await attempts.begin(browser: "f", redirectURL: "http://127.0.0.1/cb", address: "10.0.0.66")
        for _ in 0..<(SignInAttempts.capacity + 5) {
            _ = await attempts.begin(browser: "f", redirectURL: "http://127.0.0.1/cb", address: "10.0.0.66")
        }
        #expect(await attempts.count == SignInAttempts.perAddress + 1)
        _ = try await attempts.take(state: honest, browser: "b")
        await #expect(throws: SingleSignOnFailure.state("sso.state_unknown"), "the flooder's oldest made room") {
            try await attempts.take(state: flooderFirst, browser: "f")
        }
    }

    @Test func pkceChallengeIsS256OfTheVerifier() {
        // RFC 7636, appendix B.
        #expect(
            OpenIDProvider.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
                == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }
}
