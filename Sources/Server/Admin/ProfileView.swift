import Gateway
import Tenancy

/// A team's profile as `GET` and `PUT …/profile` answer it: the profile's own fields, with
/// `semantic_cache` telling also whether the setting works on this server —
/// `{"enabled": true, "threshold": 0.9, "active": false, "inactive_reason": "…"}`. `active`
/// and `inactive_reason` are read-only: a `PUT` ignores them, so a profile read can be edited
/// and saved back as it is.
struct ProfileView: Encodable {
    let profile: PromptProfile
    let availability: SemanticCacheAvailability

    enum CodingKeys: String, CodingKey { case semanticCache = "semantic_cache" }

    struct SemanticCacheView: Encodable {
        let settings: SemanticCacheSettings
        let availability: SemanticCacheAvailability

        enum CodingKeys: String, CodingKey { case enabled, threshold, active, inactiveReason = "inactive_reason" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(settings.enabled, forKey: .enabled)
            try container.encode(settings.threshold, forKey: .threshold)
            try container.encode(settings.enabled && availability == .available, forKey: .active)
            if settings.enabled, let reason = availability.reason { try container.encode(reason, forKey: .inactiveReason) }
        }
    }

    func encode(to encoder: any Encoder) throws {
        try profile.encode(to: encoder)
        // Replaces the profile's own `semantic_cache` object with the fuller one.
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(SemanticCacheView(settings: profile.semanticCache, availability: availability), forKey: .semanticCache)
    }
}
