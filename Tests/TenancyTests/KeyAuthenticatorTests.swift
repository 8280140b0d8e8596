import Foundation
import Testing
@testable import Tenancy

/// The authenticate stage: the only place a Principal and a TenantScope come from.
@Suite struct KeyAuthenticatorTests {
    let keys = InMemoryKeys()
    let clock = ManualClock()
    var authenticator: KeyAuthenticator {
        let clock = clock
        return KeyAuthenticator(lookup: keys, now: { clock.now })
    }

    func failure(_ presented: String?) async -> AuthenticationFailure? {
        do {
            _ = try await authenticator.authenticate(presentedKey: presented)
            return nil
        } catch {
            return error as? AuthenticationFailure
        }
    }

    @Test func teamKeyYieldsTheScopeOfItsOwnTeam() async throws {
        let secret = APIKeySecret.generate()
        let id = await keys.add(secret, binding: .team(Principals.sales), role: .member, holderRole: .member)
        let principal = try await authenticator.authenticate(authorizationHeader: "Bearer \(secret.revealed)")
        #expect(principal.keyID == id)
        #expect(principal.plane == .data)
        #expect(principal.tenantScope?.team == Principals.sales)
        #expect(principal.rights == Role.member.actions)
        #expect(await keys.uses[id] == clock.now)
    }

    @Test func adminKeysGetNoTenantScope() async throws {
        let secret = APIKeySecret.generate()
        _ = await keys.add(secret, binding: .organization(Principals.acme), role: .orgAdmin, holderRole: .orgAdmin)
        let principal = try await authenticator.authenticate(presentedKey: secret.revealed)
        #expect(principal.tenantScope == nil)
        #expect(principal.plane == .admin)
    }

    @Test func missingAndUnknownKeysAreRefused() async {
        #expect(await failure(nil)?.reason == .missingKey)
        #expect(await failure("  ")?.reason == .missingKey)
        #expect(await failure(APIKeySecret.generate().revealed)?.reason == .unknownKey)
        await #expect(throws: AuthenticationFailure(.missingKey)) {
            try await authenticator.authenticate(authorizationHeader: "Basic abc")
        }
    }

    @Test func expiryTakesEffectOnTheVeryNextRequest() async throws {
        let secret = APIKeySecret.generate()
        let id = await keys.add(
            secret, binding: .team(Principals.sales), role: .viewer, holderRole: .viewer,
            expiresAt: clock.now.addingTimeInterval(60))
        _ = try await authenticator.authenticate(presentedKey: secret.revealed)
        clock.advance(by: 60)
        let refused = await failure(secret.revealed)
        #expect(refused?.reason == .expiredKey)
        #expect(refused?.identity?.keyID == id)
    }

    @Test func revocationTakesEffectOnTheVeryNextRequest() async throws {
        let secret = APIKeySecret.generate()
        _ = await keys.add(secret, binding: .team(Principals.sales), role: .member, holderRole: .member)
        _ = try await authenticator.authenticate(presentedKey: secret.revealed)
        await keys.revoke(secret, at: clock.now)
        #expect(await failure(secret.revealed)?.reason == .revokedKey)
    }

    @Test func removingTheHolderFromTheTeamDisablesTheKey() async throws {
        let secret = APIKeySecret.generate()
        let id = await keys.add(secret, binding: .team(Principals.sales), role: .teamAdmin, holderRole: .teamAdmin)
        await keys.setHolderRole(.viewer, of: id)
        let demoted = try await authenticator.authenticate(presentedKey: secret.revealed)
        #expect(demoted.role == .viewer)
        #expect(demoted.rights == Role.viewer.actions)
        await keys.setHolderRole(nil, of: id)
        #expect(await failure(secret.revealed)?.reason == .membershipRevoked)
    }
}
