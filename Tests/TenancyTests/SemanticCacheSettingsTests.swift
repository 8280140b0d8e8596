import Foundation
import Tenancy
import Testing

/// The profile's `semantic_cache`: off by default, a threshold in (0, 1] or a refusal naming
/// the field, and profiles saved before the setting existed still read.
@Suite struct SemanticCacheSettingsTests {
    @Test func theSemanticCacheIsOffByDefault() {
        #expect(!PromptProfile.default.semanticCache.enabled)
        #expect(PromptProfile.default.semanticCache.threshold == SemanticCacheSettings.defaultThreshold)
    }

    @Test(arguments: [0, -0.5, 1.0000001, 2, Double.nan, Double.infinity])
    func aThresholdOutsideZeroToOneIsRefused(threshold: Double) {
        #expect { _ = try SemanticCacheSettings(enabled: true, threshold: threshold) } throws: {
            ($0 as? ProfileError)?.field == "semantic_cache.threshold"
        }
    }

    @Test func theEdgesOfTheRangeAreKept() throws {
        #expect(try SemanticCacheSettings(enabled: true, threshold: 1).threshold == 1)
        #expect(try SemanticCacheSettings(enabled: true, threshold: .leastNonzeroMagnitude).enabled)
    }

    @Test func jsonTurnsItOnAndValidates() throws {
        let json = #"{"system_prompt":"Hi","semantic_cache":{"enabled":true,"threshold":0.85}}"#
        let profile = try JSONDecoder().decode(PromptProfile.self, from: Data(json.utf8))
        #expect(profile.semanticCache == (try SemanticCacheSettings(enabled: true, threshold: 0.85)))
        let defaulted = try JSONDecoder().decode(PromptProfile.self, from: Data(#"{"semantic_cache":{"enabled":true}}"#.utf8))
        #expect(defaulted.semanticCache.threshold == 0.9)
        let roundTrip = try JSONDecoder().decode(PromptProfile.self, from: JSONEncoder().encode(profile))
        #expect(roundTrip == profile)
        #expect(try profile.withVersion(3).semanticCache == profile.semanticCache, "a new version keeps the setting")
        #expect(throws: ProfileError.self) {
            try JSONDecoder().decode(PromptProfile.self, from: Data(#"{"semantic_cache":{"threshold":0}}"#.utf8))
        }
    }

    @Test func aProfileSavedBeforeTheSettingExistedReadsWithItOff() throws {
        let stored = #"{"allowed_models":[],"max_tokens":512,"retrieval":{"collections":[],"enabled":false,"top_k":4},"system_prompt":"Old.","temperature":0.7,"top_p":1,"version":4}"#
        let profile = try JSONDecoder().decode(PromptProfile.self, from: Data(stored.utf8))
        #expect(profile.version == 4 && !profile.semanticCache.enabled)
    }
}
