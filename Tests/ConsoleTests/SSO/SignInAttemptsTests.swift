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

    /// A flood from many addresses fills the table: the addresses holding the most give way
    /// first, so a person's one pending attempt outlives it (400 loopback addresses had evicted
    /// it in 11 s, probe 5) — and goes only once every flooding address holds one as well.
    @Test func aFloodFromManyAddressesEvictsTheLargestHoldersFirst() async throws {
        let clock = Clock()
        let attempts = SignInAttempts(lifetime: 600, now: { clock.now })
        let (person, _) = await attempts.begin(browser: "b", redirectURL: "http://127.0.0.1/cb", address: "10.1.0.1")
        for index in 0..<20_000 {
            let flooder = index % 400
            _ = await attempts.begin(
                browser: "f", redirectURL: "http://127.0.0.1/cb", address: "10.2.\(flooder / 200).\(flooder % 200)")
        }
        #expect(await attempts.count == SignInAttempts.capacity)
        _ = try await attempts.take(state: person, browser: "b")

        // More addresses than the table holds, one attempt each: once every one holds one, the
        // oldest goes, the person's among them.
        let (early, _) = await attempts.begin(browser: "b", redirectURL: "http://127.0.0.1/cb", address: "10.1.0.1")
        for index in 0..<(SignInAttempts.capacity + 10) {
            _ = await attempts.begin(
                browser: "f", redirectURL: "http://127.0.0.1/cb", address: "10.3.\(index / 200).\(index % 200)")
        }
        #expect(await attempts.count == SignInAttempts.capacity)
        await #expect(throws: SingleSignOnFailure.state("sso.state_unknown"), "the oldest of ones made room") {
            try await attempts.take(state: early, browser: "b")
        }
    }

    /// One host usually holds a whole IPv6 /64: counted by each address it had as many attempts
    /// as it liked (the connection gate already counted it by its /64).
    @Test func anIPv6ClientIsCountedByItsSlash64() async throws {
        let clock = Clock()
        let attempts = SignInAttempts(lifetime: 600, now: { clock.now })
        let (neighbour, _) = await attempts.begin(
            browser: "n", redirectURL: "http://127.0.0.1/cb", address: "2001:db8:1:3::1")
        let (first, _) = await attempts.begin(browser: "f", redirectURL: "http://127.0.0.1/cb", address: "2001:db8:1:2::1")
        for index in 2...(SignInAttempts.perAddress + 8) {
            _ = await attempts.begin(
                browser: "f", redirectURL: "http://127.0.0.1/cb", address: "2001:db8:1:2::\(String(index, radix: 16))")
        }
        #expect(await attempts.count == SignInAttempts.perAddress + 1)
        await #expect(throws: SingleSignOnFailure.state("sso.state_unknown"), "its own oldest made room") {
            try await attempts.take(state: first, browser: "f")
        }
        _ = try await attempts.take(state: neighbour, browser: "n")
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
