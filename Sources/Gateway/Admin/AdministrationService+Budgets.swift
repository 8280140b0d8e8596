import Foundation
import Store
import Tenancy

/// A budget as an administrator asks for it, before its subject is resolved and its amount
/// read in its unit.
public struct BudgetOrder: Sendable, Hashable {
    public enum Subject: Sendable, Hashable {
        case team
        /// A user of the team, by id or name.
        case user(String)
        /// One of the team's keys, by id.
        case key(String)
    }

    public let subject: Subject
    public let unit: Budget.Unit
    /// Whole tokens (`1000`), or a decimal cost (`12.50`).
    public let amount: String
    public let period: BudgetPeriod
    public let warnPercent: Int

    public init(subject: Subject, unit: Budget.Unit, amount: String, period: BudgetPeriod, warnPercent: Int) {
        self.subject = subject
        self.unit = unit
        self.amount = amount
        self.period = period
        self.warnPercent = warnPercent
    }

    /// The amount in the store's units: tokens, or micros of cost.
    func storedAmount() throws -> Int64 {
        switch unit {
        case .cost: return try Money(parsing: amount, field: "amount").micros
        case .tokens:
            guard !amount.isEmpty, amount.utf8.count <= 16, amount.utf8.allSatisfy({ (48...57).contains($0) }),
                let tokens = Int64(amount)
            else {
                throw StoreError.invalidValue(field: "amount", problem: "must be a whole number of tokens from 1 to 10^15")
            }
            return tokens
        }
    }
}

extension AdministrationService {
    /// The team's budgets and where each stands (owner, org admin, team admin: `.readLimits`).
    public func budgets(of teamAddress: String, principal: Principal, audit: RequestAudit) async throws -> [BudgetStatus] {
        let team = try await team(teamAddress, for: principal, audit: audit)
        audit.describe(action: .readLimits, resource: "\(team.resource)/budgets")
        let grant = try Authorizer.authorize(
            principal, .readLimits, on: team.resource, address: .init("team", teamAddress), audit: audit)
        return try await store.budgets.budgets(grant, at: now())
    }

    /// The budgets shown beside a team's limits or usage report, once that request was
    /// authorized: `nil` for a caller who may not read the team's limits.
    public func budgetsIfReadable(of teamAddress: String, principal: Principal) async throws -> [BudgetStatus]? {
        var team = try await store.teams.team(address: teamAddress)
        if team == nil, !teamAddress.contains("/"), let organization = principal.organizationID {
            team = try await store.teams.team(address: "\(organization.rawValue)/\(teamAddress)")
        }
        guard let team, let grant = try? Policy.authorize(principal, .readLimits, on: team.resource) else { return nil }
        return try await store.budgets.budgets(grant, at: now())
    }

    /// `PUT /v1/admin/teams/{team}/budgets`: the team's own budget (owner, org admin — a team
    /// never raises its own), or one of its users' or keys' (also its team admin, but never
    /// its own user's or keys').
    public func setBudget(_ order: BudgetOrder, of teamAddress: String, principal: Principal, audit: RequestAudit)
        async throws -> BudgetStatus
    {
        let team = try await team(teamAddress, for: principal, audit: audit)
        let action: Action = order.subject == .team ? .setLimits : .setMemberBudgets
        audit.describe(action: action, resource: "\(team.resource)/budgets")
        let grant = try Authorizer.authorize(
            principal, action, on: team.resource, address: .init("team", teamAddress), audit: audit)
        let subject: Budget.Subject
        switch order.subject {
        case .team: subject = .team
        case let .user(address): subject = .user(try await user(address, for: principal).id)
        case let .key(id):
            guard APIKeyID.looksLikeIdentifier(id) else { throw GatewayError.notFound("key", id) }
            subject = .key(APIKeyID(rawValue: id))
        }
        let draft = try BudgetDraft(
            subject: subject, unit: order.unit, amount: order.storedAmount(), period: order.period,
            warnPercent: order.warnPercent)
        let status = try await recordingDenials(principal, team.resource, audit) {
            try await store.budgets.set(draft, grant, now: now())
        }
        cache.invalidate()  // a key that had no budget now may have one
        audit.describe(action: action, resource: "\(team.resource)/budgets/\(status.budget.id)")
        return status
    }

    /// `DELETE /v1/admin/teams/{team}/budgets/{id}`: as for setting it.
    public func deleteBudget(_ id: String, of teamAddress: String, principal: Principal, audit: RequestAudit) async throws {
        let team = try await team(teamAddress, for: principal, audit: audit)
        let action: Action = principal.rights.contains(.setLimits) ? .setLimits : .setMemberBudgets
        audit.describe(action: action, resource: "\(team.resource)/budgets/\(id)")
        let grant = try Authorizer.authorize(
            principal, action, on: team.resource, address: .init("team", teamAddress), audit: audit)
        guard BudgetID.looksLikeIdentifier(id) else { throw GatewayError.notFound("budget", id) }
        try await recordingDenials(principal, team.resource, audit) {
            try await store.budgets.delete(BudgetID(rawValue: id), grant)
        }
        cache.invalidate()
    }

    /// `GET /v1/admin/prices` (the owner).
    public func prices(principal: Principal, audit: RequestAudit) async throws -> [ModelPrice] {
        audit.describe(action: .readPrices, resource: "platform/prices")
        _ = try Authorizer.authorize(principal, .readPrices, on: .platform, audit: audit)
        return try await store.budgets.prices()
    }

    /// `PUT /v1/admin/prices/{model}` (the owner): the price of one of `models` (the served
    /// ones); any other model id is a 400.
    public func setPrice(
        _ price: ModelPrice, models: [String], principal: Principal, audit: RequestAudit
    ) async throws -> ModelPrice {
        audit.describe(action: .setPrices, resource: "platform/prices")
        let grant = try Authorizer.authorize(principal, .setPrices, on: .platform, audit: audit)
        guard models.contains(price.model) else {
            throw GatewayError.invalid(
                "Unknown model '\(price.model)': prices are set for the served models (\(models.joined(separator: ", ")))",
                param: "model")
        }
        try await store.budgets.setPrice(price, grant, now: now())
        return price
    }
}
