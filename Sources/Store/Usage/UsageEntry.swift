import Foundation
import Tenancy

/// One request's usage, with the scope it was made under and when: what the ledger adds up.
public struct UsageEntry: Sendable {
    public let delta: UsageDelta
    public let scope: TenantScope
    public let date: Date

    public init(_ delta: UsageDelta, in scope: TenantScope, at date: Date = Date()) {
        self.delta = delta
        self.scope = scope
        self.date = date
    }
}
