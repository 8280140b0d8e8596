import Foundation
import Tenancy

/// What one request holds of the budgets that apply to it: per budget and period, the worst
/// case it reserved at admission (its prompt estimate plus `max_tokens`, priced), until it is
/// settled to what it really used, or released.
public struct BudgetReservation: Sendable, Hashable {
    struct Line: Sendable, Hashable {
        let budget: Budget
        /// The start of the period the reservation counts in (milliseconds since 1970).
        let periodStart: Int64
        let reserved: Int64
        /// The model's price when reserved (cost budgets settle at the same price).
        let price: ModelPrice?

        /// What `usage` spends of this budget.
        func spend(promptTokens: Int, completionTokens: Int) -> Int64 {
            switch budget.unit {
            case .tokens: Int64(max(0, promptTokens)) + Int64(max(0, completionTokens))
            case .cost: price?.cost(promptTokens: promptTokens, completionTokens: completionTokens).micros ?? 0
            }
        }
    }

    /// The request's holds (one row per budget in `budget_holds`), renewed by this id while
    /// the request runs.
    public let holdID: String
    let lines: [Line]

    /// No budget applies: nothing to settle.
    public var isEmpty: Bool { lines.isEmpty }

    public static let none = BudgetReservation(holdID: "", lines: [])
}

/// The end of a reservation: settled to the tokens the request used, or released whole
/// (`nil`: it failed or was cancelled before the backend reported usage).
public struct BudgetSettlement: Sendable, Hashable {
    public let reservation: BudgetReservation
    public let promptTokens: Int
    public let completionTokens: Int

    public init(_ reservation: BudgetReservation, promptTokens: Int, completionTokens: Int) {
        self.reservation = reservation
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    /// Gives the whole reservation back, spending nothing.
    public static func release(_ reservation: BudgetReservation) -> BudgetSettlement {
        BudgetSettlement(reservation, promptTokens: 0, completionTokens: 0)
    }
}

/// A request refused because it would take a budget past its amount. Names the caller's own
/// budget only (its team's, its user's or its key's) and when to retry.
public struct BudgetExhausted: Error, Sendable, Hashable {
    public let budget: Budget
    /// Settled spend in the current period.
    public let spent: Int64
    /// Held by requests still running (or ending: settled moments later).
    public let reserved: Int64
    /// What this request would reserve.
    public let needed: Int64
    /// When the period ends: the budget is whole again (monthly) or holds nothing back (window).
    public let resetsAt: Date
    /// The budget is on a key up the line that minted the caller's (a key's budget holds the
    /// keys it mints), not on the caller's own key.
    public var onIssuingKey = false

    /// Spent and reserved together.
    public var taken: Int64 { spent + reserved }

    /// Whether the request would fit once the running requests settle (their reservations
    /// are worst cases): worth retrying in a moment rather than at ``resetsAt``.
    public var fitsAfterRunningRequests: Bool { reserved > 0 && spent + max(needed, 1) <= budget.amount }

    public var message: String {
        let remaining = Budget.text(max(0, budget.amount - taken), unit: budget.unit)
        let unit = budget.unit == .tokens ? "tokens" : "in cost"
        let needed = Budget.text(needed, unit: budget.unit)
        let period: String =
            switch budget.period {
            case .monthly: "monthly budget"
            case .window: "budget for this period"
            }
        let owner = onIssuingKey ? "The issuing key's" : budget.subject.possessive
        let head = "\(owner) \(period) of \(budget.amountText) \(unit) (\(budget.id)) has \(remaining) left "
            + "and this request may use up to \(needed)"
        if fitsAfterRunningRequests {
            return head + "; requests still running hold \(Budget.text(reserved, unit: budget.unit)) of it: retry in a moment"
        }
        return head + "; it resets at \(ISO8601DateFormatter().string(from: resetsAt))"
    }
}
