import Foundation
import Store
import Tenancy
import Testing

/// The semantic cache setting is stored with the team's profile, like every other field: a
/// change is a new version, and another team does not see it.
@Suite struct SemanticCacheProfileTests {
    @Test(arguments: StoreBackendKind.allCases) func turningTheSemanticCacheOnIsANewVersionOfOnlyThatTeamsProfile(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let grant = try Policy.authorize(world.salesAdmin, .changeProfile, on: world.sales.resource)
        let before = try await world.store.profiles.save(try PromptProfile(systemPrompt: "Be brief."), grant)
        let on = try PromptProfile(systemPrompt: "Be brief.", semanticCache: SemanticCacheSettings(enabled: true, threshold: 0.93))
        let after = try await world.store.profiles.save(on, grant)
        #expect(after.version == before.version + 1)
        let read = try await world.store.profiles.profile(in: world.scope(world.salesViewer))
        #expect(read.semanticCache == on.semanticCache && read.version == after.version)
        #expect(!(try await world.store.profiles.profile(in: world.scope(world.developmentAdmin))).semanticCache.enabled)
    }
}
