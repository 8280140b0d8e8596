/// What the owner charges for one model: a price per 1,000 prompt tokens and per 1,000
/// completion tokens, exact to the micro. Cost budgets spend these.
public struct ModelPrice: Sendable, Hashable {
    public let model: String
    public let promptPer1K: Money
    public let completionPer1K: Money

    /// The longest model id a price may name.
    public static let maximumModelLength = 128

    public init(model: String, promptPer1K: Money, completionPer1K: Money) throws(StoreError) {
        guard !model.isEmpty, model.utf8.count <= Self.maximumModelLength,
            model.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 })
        else {
            throw StoreError.invalidValue(field: "model", problem: "must be a model id of 1 to 128 printable ASCII characters")
        }
        for (field, price) in [("prompt_per_1k", promptPer1K), ("completion_per_1k", completionPer1K)]
        where price < .zero || price > Self.maximumPrice {
            throw StoreError.invalidValue(field: field, problem: "must be from 0 to \(Self.maximumPrice) per 1000 tokens")
        }
        self.model = model
        self.promptPer1K = promptPer1K
        self.completionPer1K = completionPer1K
    }

    /// At most 1000 units per 1,000 tokens: with at most 10^9 tokens in a request, the
    /// product stays far below `Int64.max`.
    public static let maximumPrice = Money(micros: 1000 * Money.scale)

    /// What `promptTokens` and `completionTokens` cost, rounded up to the next micro (a
    /// request never costs less than its tokens' price).
    public func cost(promptTokens: Int, completionTokens: Int) -> Money {
        Self.cost(prompt: promptTokens, completion: completionTokens, promptPer1K: promptPer1K.micros,
                  completionPer1K: completionPer1K.micros)
    }

    static func cost(prompt: Int, completion: Int, promptPer1K: Int64, completionPer1K: Int64) -> Money {
        let tokens = Int64(clamping: 1_000_000_000)
        let prompt = min(Int64(max(0, prompt)), tokens)
        let completion = min(Int64(max(0, completion)), tokens)
        let thousandths = prompt * promptPer1K + completion * completionPer1K
        return Money(micros: (thousandths + 999) / 1000)
    }
}
