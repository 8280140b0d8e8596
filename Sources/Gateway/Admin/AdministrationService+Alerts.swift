import Foundation
import Store
import Tenancy

extension AdministrationService {
    /// `GET /v1/admin/alerts?team=&since=&until=&before=&limit=`: newest first, only what the
    /// caller may see (the owner every alert, including those about no team; an org admin its
    /// organization's; a team admin its team's).
    public func alerts(
        team address: String?, since: Date?, until: Date? = nil, before: Int64? = nil, limit: Int,
        principal: Principal, audit: RequestAudit
    ) async throws -> [AlertRecord] {
        let team = try await authorizeListing(.readAlerts, team: address, principal: principal, audit: audit, resourceName: "alerts")
        return try await store.alerts.alerts(
            visibleTo: principal,
            filter: AlertFilter(team: team, since: since, until: until, before: before, limit: limit))
    }
}
