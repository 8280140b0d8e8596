import Foundation
import Gateway
import Store
import Tenancy

/// A budget as `GET …/limits`, `GET …/budgets`, the usage report and `PUT …/budgets` show
/// it: what it is, and where it stands in its current period. Token amounts are integers,
/// cost amounts exact decimal strings (`"12.5"`).
struct BudgetView: Encodable {
    let status: BudgetStatus

    enum CodingKeys: String, CodingKey {
        case id, subject, user, key, unit, amount, period, start, end
        case warnPercent = "warn_percent"
        case periodStart = "period_start"
        case resetsAt = "resets_at"
        case spent, reserved, remaining
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let budget = status.budget
        try container.encode(budget.id.rawValue, forKey: .id)
        try container.encode(budget.subject.kind, forKey: .subject)
        switch budget.subject {
        case .team: break
        case let .user(user): try container.encode(user.rawValue, forKey: .user)
        case let .key(key): try container.encode(key.rawValue, forKey: .key)
        }
        try container.encode(budget.unit.rawValue, forKey: .unit)
        try encode(budget.amount, .amount, &container)
        switch budget.period {
        case .monthly: try container.encode("monthly", forKey: .period)
        case let .window(start, end):
            try container.encode("window", forKey: .period)
            try container.encode(start, forKey: .start)
            try container.encode(end, forKey: .end)
        }
        try container.encode(budget.warnPercent, forKey: .warnPercent)
        try container.encode(status.current?.start, forKey: .periodStart)
        try container.encode(status.current?.end, forKey: .resetsAt)
        try encode(status.spent, .spent, &container)
        try encode(status.reserved, .reserved, &container)
        try encode(status.remaining, .remaining, &container)
    }

    private func encode(_ value: Int64, _ key: CodingKeys, _ container: inout KeyedEncodingContainer<CodingKeys>) throws {
        if status.budget.unit == .cost {
            try container.encode(Money(micros: value).description, forKey: key)
        } else {
            try container.encode(value, forKey: key)
        }
    }
}

/// `GET /v1/admin/teams/{team}/limits`: the team's limits and its budgets with what remains.
struct LimitsView: Encodable {
    let limits: TeamLimits
    let budgets: [BudgetStatus]

    enum CodingKeys: String, CodingKey {
        case budgets
    }

    func encode(to encoder: any Encoder) throws {
        try limits.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(budgets.map(BudgetView.init), forKey: .budgets)
    }
}

/// The usage report's list, with the named team's budgets beside its rows.
struct UsageListView<Element: Encodable>: Encodable {
    let object = "list"
    let data: [Element]
    let budgets: [BudgetView]?
}

/// A model's price per 1,000 tokens, as exact decimal strings.
struct PriceView: Encodable {
    let price: ModelPrice

    enum CodingKeys: String, CodingKey {
        case model
        case promptPer1K = "prompt_per_1k"
        case completionPer1K = "completion_per_1k"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(price.model, forKey: .model)
        try container.encode(price.promptPer1K.description, forKey: .promptPer1K)
        try container.encode(price.completionPer1K.description, forKey: .completionPer1K)
    }
}
