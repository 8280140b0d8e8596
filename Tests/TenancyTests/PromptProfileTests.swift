import Foundation
import Testing
import Tenancy

/// Bad profiles and limits fail when built (so when saved), naming the field.
@Suite struct PromptProfileTests {
    @Test func validProfileKeepsItsValues() throws {
        let profile = try PromptProfile(
            systemPrompt: "Be brief.", temperature: 0.2, topP: 0.9, maxTokens: 64,
            retrieval: RetrievalSettings(enabled: true, topK: 3, collections: ["handbook"]), allowedModels: ["smollm2-135m"])
        #expect(profile.temperature == 0.2)
        #expect(profile.allows(model: "smollm2-135m"))
        #expect(!profile.allows(model: "other"))
        #expect(PromptProfile.default.allows(model: "anything"))
    }

    static let badProfiles: [(String, @Sendable () throws -> PromptProfile)] = [
        ("temperature", { try PromptProfile(temperature: 2.5) }),
        ("temperature", { try PromptProfile(temperature: -0.1) }),
        ("temperature", { try PromptProfile(temperature: .nan) }),
        ("top_p", { try PromptProfile(topP: 0) }),
        ("top_p", { try PromptProfile(topP: 1.01) }),
        ("max_tokens", { try PromptProfile(maxTokens: 0) }),
        ("retrieval.top_k", { try PromptProfile(retrieval: RetrievalSettings(topK: 0)) }),
        ("retrieval.collections", { try PromptProfile(retrieval: RetrievalSettings(collections: ["two words"])) }),
        ("allowed_models", { try PromptProfile(allowedModels: [""]) }),
        ]

    @Test(arguments: badProfiles)
    func badProfileIsRefusedNamingTheField(field: String, build: @Sendable () throws -> PromptProfile) {
        #expect { _ = try build() } throws: { ($0 as? ProfileError)?.field == field }
    }

    @Test func jsonBodyIsValidatedAndMissingFieldsTakeDefaults() throws {
        let json = #"{"system_prompt":"Hi","temperature":1.5,"retrieval":{"enabled":true,"top_k":2}}"#
        let profile = try JSONDecoder().decode(PromptProfile.self, from: Data(json.utf8))
        #expect(profile.systemPrompt == "Hi")
        #expect(profile.temperature == 1.5)
        #expect(profile.maxTokens == PromptProfile.default.maxTokens)
        #expect(profile.retrieval.topK == 2)
        let roundTrip = try JSONDecoder().decode(PromptProfile.self, from: JSONEncoder().encode(profile))
        #expect(roundTrip == profile)
        #expect(throws: ProfileError.self) {
            try JSONDecoder().decode(PromptProfile.self, from: Data(#"{"top_p":0}"#.utf8))
        }
    }

    /// Length limits count Unicode scalars: `a` and a million combining marks is one Character,
    /// and a prompt of that was once accepted as "1 character" and broke the team's every chat.
    @Test func lengthsCountScalarsNotCharacters() throws {
        let stacked = "a" + String(repeating: "\u{0301}", count: PromptProfile.maximumSystemPromptLength)
        #expect(stacked.count == 1)
        #expect(throws: ProfileError.self) { try PromptProfile(systemPrompt: stacked) }
    }

    @Test func limitsArePositiveOrUnlimited() throws {
        #expect(TeamLimits.unlimited.requestsPerMinute == nil)
        #expect { _ = try TeamLimits(tokensPerMinute: 0) } throws: { ($0 as? ProfileError)?.field == "tokens_per_minute" }
        let json = #"{"requests_per_minute":60,"monthly_tokens":null}"#
        let limits = try JSONDecoder().decode(TeamLimits.self, from: Data(json.utf8))
        #expect(limits == (try TeamLimits(requestsPerMinute: 60)))
        #expect(throws: ProfileError.self) {
            try JSONDecoder().decode(TeamLimits.self, from: Data(#"{"max_concurrent":-1}"#.utf8))
        }
        // A missing field is unlimited, so a misspelt one must not be read as missing.
        #expect { _ = try JSONDecoder().decode(TeamLimits.self, from: Data(#"{"request_per_minute":5}"#.utf8)) } throws: {
            ($0 as? ProfileError)?.field == "request_per_minute"
        }
        #expect { _ = try JSONDecoder().decode(KeyLimits.self, from: Data(#"{"bogus":1}"#.utf8)) } throws: {
            ($0 as? ProfileError)?.field == "bogus"
        }
    }

    /// A missing setting takes its default — no model restriction, guardrails off — so a
    /// misspelt one is refused, named by its path; what `GET` shows beside the settings
    /// (`semantic_cache.active`, `inactive_reason`, the limits' `budgets`) may be sent back.
    @Test func unknownSettingsAreRefusedByTheirPath() throws {
        let misspelt: [(String, String)] = [
            (#"{"alowed_models":["smollm2-135m"]}"#, "alowed_models"),
            (#"{"retrieval":{"enabled":true,"topk":2}}"#, "retrieval.topk"),
            (#"{"semantic_cache":{"enabled":true,"treshold":0.9}}"#, "semantic_cache.treshold"),
            (#"{"guardrails":{"injection":{"imput":"block"}}}"#, "guardrails.injection.imput"),
            (#"{"guardrails":{"pii":{"email":"redact"},"restor":true}}"#, "guardrails.restor"),
            (#"{"guardrails":{"patterns":[{"name":"a","terms":["x"],"action":"block"},{"nmae":"b","action":"block"}]}}"#,
             "guardrails.patterns[1].nmae"),
        ]
        for (json, field) in misspelt {
            #expect { _ = try JSONDecoder().decode(PromptProfile.self, from: Data(json.utf8)) } throws: {
                ($0 as? ProfileError)?.field == field && ($0 as? ProfileError)?.problem.contains("is not one of the fields") == true
            }
        }
        let shown = #"{"semantic_cache":{"enabled":true,"threshold":0.9,"active":false,"inactive_reason":"no embedding model"}}"#
        #expect(try JSONDecoder().decode(PromptProfile.self, from: Data(shown.utf8)).semanticCache.enabled)
        let limits = #"{"requests_per_minute":5,"budgets":[{"id":"bud_1"}]}"#
        #expect(try JSONDecoder().decode(TeamLimits.self, from: Data(limits.utf8)).requestsPerMinute == 5)
        #expect { _ = try JSONDecoder().decode(KeyLimits.self, from: Data(#"{"budgets":[]}"#.utf8)) } throws: {
            ($0 as? ProfileError)?.field == "budgets"
        }
        let guarded = try GuardrailSettings(
            pii: [.email: .redact], restore: true, injection: .init(input: .block, sources: .flag),
            patterns: [GuardrailPattern(name: "code", terms: ["quokka"], action: .block)])
        let profile = try PromptProfile(guardrails: guarded)
        #expect(try JSONDecoder().decode(PromptProfile.self, from: JSONEncoder().encode(profile)) == profile)
    }

    @Test func aTeamsWeightIsOneByDefaultAndBounded() throws {
        #expect(TeamLimits.unlimited.weight == 1)
        let weighted = try JSONDecoder().decode(TeamLimits.self, from: Data(#"{"weight":2.5}"#.utf8))
        #expect(weighted.weight == 2.5)
        #expect(try JSONDecoder().decode(TeamLimits.self, from: JSONEncoder().encode(weighted)) == weighted)
        #expect(try JSONDecoder().decode(TeamLimits.self, from: Data(#"{"weight":null}"#.utf8)).weight == 1)
        for bad in ["0", "-1", "100.5", "1e308", "0.001"] {
            #expect { _ = try JSONDecoder().decode(TeamLimits.self, from: Data(#"{"weight":\#(bad)}"#.utf8)) } throws: {
                ($0 as? ProfileError)?.field == "weight"
            }
        }
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(TeamLimits.self, from: Data(#"{"weight":"heavy"}"#.utf8))
        }
    }

    @Test func directoryNamesAreUnambiguous() throws {
        #expect(try DirectoryName.validated("sales-eu.2", kind: "team") == "sales-eu.2")
        for bad in ["", "a/b", "two words", "-lead", "team_abc", String(repeating: "x", count: 65), "ünï"] {
            #expect(throws: DirectoryError.self) { try DirectoryName.validated(bad, kind: "team") }
        }
        #expect(throws: DirectoryError.roleDoesNotFitBinding(role: .owner, binding: .team(Principals.sales))) {
            try Membership(userID: UserID(rawValue: "usr_x"), binding: .team(Principals.sales), role: .owner)
        }
    }
}
