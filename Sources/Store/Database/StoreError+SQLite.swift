import GRDB

extension StoreError {
    /// `error` as ``unavailable(_:)`` when SQLite could not serve for a reason outside the
    /// request — a full disk, an I/O error, a read-only file or folder, a lock held past the
    /// busy timeout, a file it cannot open, no memory — or nil for one that is Atrium's own
    /// fault (a constraint, a malformed statement), which stays a 500.
    ///
    /// Such a failure leaves nothing half-written (the transaction rolls back), so the same
    /// request works once the cause is gone: it is answered 503, not 500. The words name the
    /// file and the cause, never the statement or its arguments (which may hold tenant data):
    /// `cannot write /srv/atrium/atrium.sqlite: the disk is full`.
    ///
    /// - Parameter operation: what was being done, as a verb: "open", "read" or "write".
    static func sqlite(_ error: DatabaseError, operation: String, path: String) -> StoreError? {
        guard let cause = sqliteCause(of: error.resultCode) else { return nil }
        return .unavailable("cannot \(operation) \(path): \(cause)")
    }

    /// The cause in words, for the primary result codes that mean "not now" rather than "wrong".
    static func sqliteCause(of code: ResultCode) -> String? {
        switch code {
        case .SQLITE_FULL: "the disk is full"
        case .SQLITE_IOERR: "disk I/O error"
        case .SQLITE_READONLY: "the file or its folder is read-only"
        case .SQLITE_BUSY: "another connection held the database locked past the busy timeout"
        case .SQLITE_LOCKED: "a table was locked by another statement"
        case .SQLITE_CANTOPEN: "the file cannot be opened (missing folder, permissions or too many open files)"
        case .SQLITE_NOMEM: "out of memory"
        case .SQLITE_PROTOCOL: "the WAL locking protocol failed"
        default: nil
        }
    }
}
