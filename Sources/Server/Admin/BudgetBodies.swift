import Foundation
import Gateway
import Store
import Tenancy

/// `PUT /v1/admin/teams/{team}/budgets`:
/// `{"user"?|"key"?, "unit": "tokens"|"cost", "amount", "period"?, "start"?, "end"?, "warn_percent"?}`.
/// Without `user` or `key` the budget is the team's. `amount` is whole tokens, or a cost as a
/// decimal string or number (`"12.50"`, exact to six places); `period` is `monthly` (the
/// default) or `window` with ISO 8601 `start` and `end`.
struct BudgetBody: Decodable {
    let order: BudgetOrder

    enum CodingKeys: String, CodingKey, CaseIterable {
        case user, key, unit, amount, period, start, end
        case warnPercent = "warn_percent"
    }

    /// An unknown field is refused: a misspelt `user` would make the budget the whole team's.
    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let user = try container.decodeIfPresent(String.self, forKey: .user)
        let key = try container.decodeIfPresent(String.self, forKey: .key)
        let subject: BudgetOrder.Subject
        switch (user, key) {
        case (nil, nil): subject = .team
        case let (user?, nil): subject = .user(user)
        case let (nil, key?): subject = .key(key)
        default: throw GatewayError.invalid("A budget is for the team, one 'user' or one 'key', not both", param: "key")
        }
        let unitName = try container.decode(String.self, forKey: .unit)
        guard let unit = Budget.Unit(rawValue: unitName) else {
            throw GatewayError.invalid("'unit' must be tokens or cost", param: "unit")
        }
        let period: BudgetPeriod
        switch try container.decodeIfPresent(String.self, forKey: .period) ?? "monthly" {
        case "monthly": period = .monthly
        case "window":
            guard let start = Instant.parse(try container.decode(String.self, forKey: .start)),
                let end = Instant.parse(try container.decode(String.self, forKey: .end))
            else { throw GatewayError.invalid("'start' and 'end' must be ISO 8601 instants", param: "start") }
            period = try BudgetPeriod.between(start, and: end)
        default: throw GatewayError.invalid("'period' must be monthly or window", param: "period")
        }
        order = BudgetOrder(
            subject: subject, unit: unit, amount: try Self.decimal(container, .amount), period: period,
            warnPercent: try container.decodeIfPresent(Int.self, forKey: .warnPercent) ?? BudgetDraft.defaultWarnPercent)
    }

    /// A decimal given as a string or a JSON number, as its exact text (a number is read as
    /// `Decimal`, never through `Double`).
    static func decimal<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> String {
        if let text = try? container.decode(String.self, forKey: key) { return text }
        let number = try container.decode(Decimal.self, forKey: key)
        guard number.isFinite, !number.isNaN else {
            throw GatewayError.invalid("'\(key.stringValue)' must be a finite number", param: key.stringValue)
        }
        return number.description
    }
}

/// `PUT /v1/admin/prices/{model}`: `{"prompt_per_1k", "completion_per_1k"}`, each a decimal
/// string or number (the price of 1,000 tokens, exact to six places).
struct PriceBody: Decodable {
    let promptPer1K: Money
    let completionPer1K: Money

    enum CodingKeys: String, CodingKey, CaseIterable {
        case promptPer1K = "prompt_per_1k"
        case completionPer1K = "completion_per_1k"
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        promptPer1K = try Money(parsing: BudgetBody.decimal(container, .promptPer1K), field: "prompt_per_1k")
        completionPer1K = try Money(parsing: BudgetBody.decimal(container, .completionPer1K), field: "completion_per_1k")
    }
}
