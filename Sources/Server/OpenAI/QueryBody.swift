import Gateway
import Tenancy

/// `POST /query`: `{"prompt": "…"}`, optionally naming the team (which must be the key's
/// own) and sampling values. Any other field is refused by name: this is Atrium's own route,
/// and a `stream` or `stop` read as absent would answer otherwise than asked.
struct QueryBody: Decodable {
    let prompt: String
    let team: String?
    let model: String?
    let temperature: Double?
    let topP: Double?
    let maxTokens: Int?
    let seed: Int64?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case prompt, team, model, temperature, seed
        case topP = "top_p"
        case maxTokens = "max_tokens"
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        prompt = try container.decode(String.self, forKey: .prompt)
        team = try container.decodeIfPresent(String.self, forKey: .team)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try container.decodeIfPresent(Double.self, forKey: .topP)
        maxTokens = try container.wholeNumber(forKey: .maxTokens, in: ClientNumbers.maxTokens)
        seed = try container.wholeNumber(forKey: .seed).map(Int64.init)
    }

    var chatRequest: ChatRequest {
        ChatRequest(
            messages: [ChatTurn(role: .user, content: prompt)], model: model, temperature: temperature, topP: topP,
            maxTokens: maxTokens, seed: seed.map { UInt64(bitPattern: $0) }, claimedTeam: team)
    }
}

/// `{"response": "…", "sources": […]}` (plus the model and usage).
struct QueryResponse: Encodable {
    let response: String
    let sources: [SourceReference]
    let model: String
    let usage: Usage
}
