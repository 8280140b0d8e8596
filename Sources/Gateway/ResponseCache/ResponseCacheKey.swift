import Foundation
import Tenancy

/// What makes two chat requests the same question for the response cache: the team, the
/// model, the conversation as the model sees it (the profile's system prompt filled in,
/// normalized), the effective sampling parameters, and the versions of the team's profile and
/// knowledge. Only a ``TenantScope`` makes one, so every key starts with the team an
/// authenticated key proved: no entry is ever shared across teams.
///
/// Normalization: line endings become `\n` and each message's leading and trailing
/// whitespace is dropped; for greedy requests (temperature 0) `top_p` and the seed cannot
/// change the answer and are left out. The answer's format (text or JSON), penalties and
/// logit bias are part of the sampling.
public struct ResponseCacheKey: Sendable, Hashable {
    public let tenant: TenantKey
    let model: String
    let messages: [ChatTurn]
    let sampling: GenerationSampling
    let profileVersion: Int
    let knowledgeVersion: Int

    /// - Parameters:
    ///   - request: the composed request (the profile applied).
    ///   - profileVersion: the version of the team's profile that shaped it.
    ///   - knowledgeVersion: the version of the team's documents retrieval could draw on.
    public init(scope: TenantScope, request: GenerationRequest, profileVersion: Int, knowledgeVersion: Int) {
        tenant = TenantKey(scope)
        model = request.model
        messages = request.messages.map { ChatTurn(role: $0.role, content: Self.normalized($0.content)) }
        sampling = request.sampling.answerDetermining
        self.profileVersion = profileVersion
        self.knowledgeVersion = knowledgeVersion
    }

    /// Whether `sampling` always gives the same answer to the same prompt: greedy, or seeded.
    public static func isDeterministic(_ sampling: GenerationSampling) -> Bool {
        sampling.temperature == 0 || sampling.seed != nil
    }

    /// An estimate of the memory the key takes, for the cache's byte cap.
    var byteCount: Int {
        let fixed = 128
        let text = messages.reduce(model.utf8.count) { $0 + 32 + $1.content.utf8.count }
        return fixed + text + sampling.stop.reduce(0) { $0 + 16 + $1.utf8.count } + sampling.logitBias.count * 32
    }

    static func normalized(_ content: String) -> String {
        var text = content
        if text.utf8.contains(UInt8(ascii: "\r")) {
            text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
