extension AtriumStore {
    /// The version of the directory — keys, memberships, roles, profiles, limits — as every
    /// process sharing this database sees it: a cache of any of them loaded after this value
    /// was read stays right until the value changes. Nil where this process is the only writer
    /// (SQLite), whose own changes invalidate its caches directly.
    ///
    /// ```swift
    /// if let version = try await store.directoryVersion(), version != seen { cache.invalidate() }
    /// ```
    public func directoryVersion() async throws -> Int64? {
        try await backend.directoryVersion()
    }
}
