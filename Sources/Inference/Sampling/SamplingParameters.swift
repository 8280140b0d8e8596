/// How the next token is chosen. Invalid values are refused when the parameters are made, so a bad
/// team profile fails when it is saved, not when it is used.
///
/// ```swift
/// let greedy = try SamplingParameters()                                  // temperature 0: argmax
/// let creative = try SamplingParameters(temperature: 0.8, topP: 0.95, seed: 42)
/// ```
public struct SamplingParameters: Sendable, Equatable, Codable {
    /// 0 is greedy (argmax); otherwise logits are divided by it before sampling. 0…2.
    public let temperature: Float
    /// Keep only the k most likely tokens; 0 turns it off.
    public let topK: Int
    /// Keep the most likely tokens whose probabilities add up to `topP`. (0, 1]; 1 turns it off.
    public let topP: Float
    /// Drop tokens less likely than `minP` times the most likely one. [0, 1]; 0 turns it off.
    public let minP: Float
    /// Divides positive logits (multiplies negative ones) of recently seen tokens. (0, 10]; 1 is off.
    public let repetitionPenalty: Float
    /// Subtracted once per occurrence of a token in the window. [-2, 2].
    public let frequencyPenalty: Float
    /// Subtracted once from every token present in the window. [-2, 2].
    public let presencePenalty: Float
    /// How many of the latest tokens the penalties look at; 0 turns penalties off.
    public let penaltyWindow: Int
    /// Same seed, same logits → same tokens. Nil draws a seed from the system generator.
    public let seed: UInt64?
    /// Added to these tokens' logits before anything else (OpenAI's `logit_bias`): −100 all but
    /// forbids a token, +100 all but forces it. Each in [-100, 100].
    public let logitBias: [TokenID: Float]

    public init(
        temperature: Float = 0, topK: Int = 0, topP: Float = 1, minP: Float = 0, repetitionPenalty: Float = 1,
        frequencyPenalty: Float = 0, presencePenalty: Float = 0, penaltyWindow: Int = 64, seed: UInt64? = nil,
        logitBias: [TokenID: Float] = [:]
    ) throws {
        try Self.check("temperature", temperature, temperature >= 0 && temperature <= 2, "between 0 and 2")
        try Self.check("top_k", topK, topK >= 0, "0 (off) or more")
        try Self.check("top_p", topP, topP > 0 && topP <= 1, "greater than 0 and at most 1")
        try Self.check("min_p", minP, minP >= 0 && minP <= 1, "between 0 and 1")
        try Self.check("repetition_penalty", repetitionPenalty, repetitionPenalty > 0 && repetitionPenalty <= 10,
                       "greater than 0 and at most 10")
        try Self.check("frequency_penalty", frequencyPenalty, abs(frequencyPenalty) <= 2, "between -2 and 2")
        try Self.check("presence_penalty", presencePenalty, abs(presencePenalty) <= 2, "between -2 and 2")
        try Self.check("penalty_window", penaltyWindow, penaltyWindow >= 0, "0 (off) or more")
        for (id, bias) in logitBias.sorted(by: { $0.key < $1.key }) {
            try Self.check("logit_bias[\(id)]", bias, abs(bias) <= 100, "between -100 and 100")
            try Self.check("logit_bias", id, id >= 0, "keyed by token ids (0 or more)")
        }
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.penaltyWindow = penaltyWindow
        self.seed = seed
        self.logitBias = logitBias
    }

    /// Temperatures below this are greedy, as in vLLM: dividing logits by a temperature near
    /// Float's smallest (1e-40 is subnormal, its inverse infinite) made every logit infinite
    /// and the draw random, where the limit of a vanishing temperature is the argmax.
    public static let greedyBelow: Float = 1e-5

    /// Whether the next token is the argmax (after penalties).
    public var isGreedy: Bool { temperature < Self.greedyBelow }

    /// Whether any penalty changes logits.
    var hasPenalties: Bool {
        penaltyWindow > 0 && (repetitionPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0)
    }

    /// NaN fails every comparison, so it is refused by the same checks.
    private static func check<Value>(_ name: String, _ value: Value, _ valid: Bool, _ range: String) throws {
        guard valid else { throw SamplingError.outOfRange(parameter: name, value: "\(value)", range: range) }
    }

    private enum CodingKeys: String, CodingKey {
        case temperature, seed
        case logitBias = "logit_bias"
        case topK = "top_k"
        case topP = "top_p"
        case minP = "min_p"
        case repetitionPenalty = "repetition_penalty"
        case frequencyPenalty = "frequency_penalty"
        case presencePenalty = "presence_penalty"
        case penaltyWindow = "penalty_window"
    }

    /// Decoding validates like `init`; absent keys take the defaults.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            temperature: values.decodeIfPresent(Float.self, forKey: .temperature) ?? 0,
            topK: values.decodeIfPresent(Int.self, forKey: .topK) ?? 0,
            topP: values.decodeIfPresent(Float.self, forKey: .topP) ?? 1,
            minP: values.decodeIfPresent(Float.self, forKey: .minP) ?? 0,
            repetitionPenalty: values.decodeIfPresent(Float.self, forKey: .repetitionPenalty) ?? 1,
            frequencyPenalty: values.decodeIfPresent(Float.self, forKey: .frequencyPenalty) ?? 0,
            presencePenalty: values.decodeIfPresent(Float.self, forKey: .presencePenalty) ?? 0,
            penaltyWindow: values.decodeIfPresent(Int.self, forKey: .penaltyWindow) ?? 64,
            seed: values.decodeIfPresent(UInt64.self, forKey: .seed),
            logitBias: Self.bias(values.decodeIfPresent([String: Float].self, forKey: .logitBias) ?? [:]))
    }

    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(temperature, forKey: .temperature)
        try values.encode(topK, forKey: .topK)
        try values.encode(topP, forKey: .topP)
        try values.encode(minP, forKey: .minP)
        try values.encode(repetitionPenalty, forKey: .repetitionPenalty)
        try values.encode(frequencyPenalty, forKey: .frequencyPenalty)
        try values.encode(presencePenalty, forKey: .presencePenalty)
        try values.encode(penaltyWindow, forKey: .penaltyWindow)
        try values.encodeIfPresent(seed, forKey: .seed)
        if !logitBias.isEmpty {
            try values.encode(Dictionary(uniqueKeysWithValues: logitBias.map { (String($0.key), $0.value) }), forKey: .logitBias)
        }
    }

    /// `logit_bias` as JSON writes it: token ids as object keys.
    private static func bias(_ keyed: [String: Float]) throws -> [TokenID: Float] {
        var bias: [TokenID: Float] = [:]
        for (key, value) in keyed {
            guard let id = TokenID(key) else {
                throw SamplingError.outOfRange(parameter: "logit_bias", value: key, range: "keyed by token ids")
            }
            bias[id] = value
        }
        return bias
    }
}
