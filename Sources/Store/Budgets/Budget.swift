import Foundation
import Tenancy

/// A spending limit a team plans with, beside its monthly token limit: for the whole team,
/// one of its users, or one of its keys; in tokens or in cost (``ModelPrice``); per calendar
/// month or over a chosen window. A request that would take any budget that applies to it
/// past its amount is refused (429 `insufficient_quota`); an alert warns once per period when
/// the spend passes ``warnPercent`` of it.
///
/// A team has at most one budget per subject and unit: setting it again replaces its amount,
/// period and warning share and keeps what was already spent.
public struct Budget: Sendable, Hashable {
    /// Whose requests the budget counts.
    public enum Subject: Sendable, Hashable {
        case team
        case user(UserID)
        case key(APIKeyID)

        /// `team`, `user` or `key`, as stored and shown.
        public var kind: String {
            switch self {
            case .team: "team"
            case .user: "user"
            case .key: "key"
            }
        }

        /// The user's or key's id; empty for the team.
        public var id: String {
            switch self {
            case .team: ""
            case let .user(user): user.rawValue
            case let .key(key): key.rawValue
            }
        }

        /// "The team's", "This user's", "This key's": how a refusal names the budget to the
        /// caller (its own team's budget, never another's).
        public var possessive: String {
            switch self {
            case .team: "The team's"
            case .user: "Your user's"
            case .key: "This key's"
            }
        }

        init(kind: String, id: String) throws {
            switch kind {
            case "team": self = .team
            case "user": self = .user(UserID(rawValue: id))
            case "key": self = .key(APIKeyID(rawValue: id))
            default: throw StoreError.corruptRow(table: "budgets", problem: "unknown subject kind \(kind)")
            }
        }
    }

    /// What the amount counts: prompt + completion tokens, or their cost in micros.
    public enum Unit: String, Sendable, Hashable, CaseIterable {
        case tokens
        case cost
    }

    public let id: BudgetID
    public let team: TeamReference
    public let subject: Subject
    public let unit: Unit
    /// Tokens, or micros of cost (``Money``).
    public let amount: Int64
    public let period: BudgetPeriod
    /// The share of the amount (1…100 %) whose passing raises a warning alert.
    public let warnPercent: Int

    /// The amount as text: `1000` tokens or `12.5` (cost).
    public var amountText: String { Self.text(amount, unit: unit) }

    static func text(_ value: Int64, unit: Unit) -> String {
        unit == .cost ? Money(micros: value).description : String(value)
    }
}

/// A budget to set: validated on creation, so a bad one fails when saved, not when used.
public struct BudgetDraft: Sendable, Hashable {
    public let subject: Budget.Subject
    public let unit: Budget.Unit
    public let amount: Int64
    public let period: BudgetPeriod
    public let warnPercent: Int

    /// The largest token amount (10^15, as for every other limit).
    public static let maximumTokens: Int64 = 1_000_000_000_000_000
    public static let defaultWarnPercent = 80

    public init(
        subject: Budget.Subject, unit: Budget.Unit, amount: Int64, period: BudgetPeriod = .monthly,
        warnPercent: Int = BudgetDraft.defaultWarnPercent
    ) throws(StoreError) {
        let maximum = unit == .tokens ? Self.maximumTokens : Money.maximum.micros
        guard (1...maximum).contains(amount) else {
            throw StoreError.invalidValue(
                field: "amount",
                problem: unit == .tokens
                    ? "must be a whole number of tokens from 1 to 10^15" : "must be a cost above 0 and at most 1000000000")
        }
        guard (1...100).contains(warnPercent) else {
            throw StoreError.invalidValue(field: "warn_percent", problem: "must be a whole percentage from 1 to 100")
        }
        self.subject = subject
        self.unit = unit
        self.amount = amount
        self.period = period
        self.warnPercent = warnPercent
    }
}

/// A budget and where it stands in its current period.
public struct BudgetStatus: Sendable, Hashable {
    public let budget: Budget
    /// The current period (`nil`: a window not yet begun or already over).
    public let current: DateInterval?
    /// Settled spend in the current period.
    public let spent: Int64
    /// Held by requests still running (their worst case until they end).
    public let reserved: Int64

    /// What new requests may still take: the amount less spend and reservations (never
    /// below zero).
    public var remaining: Int64 { max(0, budget.amount - spent - reserved) }
}
