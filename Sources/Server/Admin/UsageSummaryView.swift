import Foundation
import Store

/// `GET /v1/admin/usage?group_by=…` rows: the group's own fields (a day; a team and its
/// organization; a user; a key with its prefix, team and user) and its sums.
struct UsageSummaryView: Encodable {
    let summary: UsageSummary

    enum CodingKeys: String, CodingKey {
        case group, day, requests
        case organizationID = "org_id"
        case teamID = "team_id"
        case teamName = "team_name"
        case userID = "user_id"
        case userName = "user_name"
        case keyID = "key_id"
        case keyPrefix = "key_prefix"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case cacheHits = "cache_hits"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(summary.grouping.rawValue, forKey: .group)
        try container.encodeIfPresent(summary.day, forKey: .day)
        try container.encodeIfPresent(summary.organizationID?.rawValue, forKey: .organizationID)
        try container.encodeIfPresent(summary.teamID?.rawValue, forKey: .teamID)
        try container.encodeIfPresent(summary.teamName, forKey: .teamName)
        try container.encodeIfPresent(summary.userID?.rawValue, forKey: .userID)
        try container.encodeIfPresent(summary.userName, forKey: .userName)
        try container.encodeIfPresent(summary.keyID?.rawValue, forKey: .keyID)
        try container.encodeIfPresent(summary.keyPrefix, forKey: .keyPrefix)
        try container.encode(summary.requests, forKey: .requests)
        try container.encode(summary.promptTokens, forKey: .promptTokens)
        try container.encode(summary.completionTokens, forKey: .completionTokens)
        try container.encode(summary.totalTokens, forKey: .totalTokens)
        try container.encode(summary.cacheHits, forKey: .cacheHits)
    }
}
