import Foundation
import Store
import Tenancy

extension AdministrationService {
    /// `GET /v1/admin/audit?team=&since=&until=&limit=`: newest first, only what the caller
    /// may see (its team, its organization's teams, or everything for the owner).
    public func auditRecords(
        team address: String?, since: Date?, until: Date?, limit: Int, principal: Principal, audit: RequestAudit
    ) async throws -> [AuditRecord] {
        let team = try await authorizeListing(.readAudit, team: address, principal: principal, audit: audit, resourceName: "audit")
        let filter = try AuditFilter(team: team, since: since, until: until, limit: limit)
        return try await store.audit.records(visibleTo: principal, filter: filter)
    }

    /// `GET /v1/admin/audit/verify`: the hash chain walked as `atrium audit verify` walks it.
    /// The chain spans every tenant: its counts measure the whole platform's traffic, and the
    /// walk reads every record, so only the platform owner may ask (an organization's or a
    /// team's admin would learn other tenants' volume and could make the server read it all).
    public func verifyAuditChain(principal: Principal, audit: RequestAudit) async throws -> AuditVerification {
        audit.describe(action: .readAudit, resource: "platform/audit-chain")
        // `.readAudit` is granted per team; the whole chain is the platform's, so the owner's.
        guard principal.role == .owner, principal.rights.contains(.readAudit) else {
            throw Authorizer.deny(.roleNotAllowed, principal: principal, resource: .platform, audit: audit)
        }
        audit.decided(.allow)
        return try await store.audit.verify()
    }

    /// `GET /v1/admin/usage?team=&since=&until=`: per day, team, user and key.
    public func usage(team address: String?, since: Date?, until: Date?, principal: Principal, audit: RequestAudit)
        async throws -> [UsageRow]
    {
        let team = try await authorizeListing(.readUsage, team: address, principal: principal, audit: audit, resourceName: "usage")
        return try await store.usage.report(visibleTo: principal, filter: UsageFilter(team: team, since: since, until: until))
    }

    /// `GET /v1/admin/usage?group_by=team|user|key|day`: the same rows, added up per group.
    public func usage(
        team address: String?, since: Date?, until: Date?, groupedBy grouping: UsageGrouping, principal: Principal,
        audit: RequestAudit
    ) async throws -> [UsageSummary] {
        let team = try await authorizeListing(.readUsage, team: address, principal: principal, audit: audit, resourceName: "usage")
        return try await store.usage.summary(
            visibleTo: principal, filter: UsageFilter(team: team, since: since, until: until), groupedBy: grouping)
    }
}
