import GRDB
import PostgresNIO

extension StoreError {
    /// What a log line may say of a failed store operation: enough for an operator to find the
    /// cause — the database's own code, and the table, column, constraint or type it names —
    /// never the values involved, which may be a tenant's text.
    ///
    /// postgres-nio's own description of a server error is a placeholder ("Generic description
    /// to prevent accidental leakage…"), and its full reflection carries the error's detail,
    /// which quotes the failing row (`Failing row contains (…)`, `Key (name)=(…) already
    /// exists`): neither may go to a log. PostgreSQL's primary message names objects, not
    /// values, except for data exceptions (SQLSTATE class 22: `invalid input syntax for type
    /// uuid: "…"`), whose message is left out. SQLite's messages name objects only
    /// (`CHECK constraint failed: name`); GRDB's description adds the statement, left out too.
    /// Atrium's own ``StoreError``s read as they do to clients; other errors by their type.
    public static func diagnosis(of error: any Error) -> String {
        switch error {
        case let error as StoreError:
            return error.description
        case let error as DatabaseError:
            return "SQLite \(error.extendedResultCode)" + (error.message.map { ": \($0)" } ?? "")
        case let error as PSQLError:
            guard let info = error.serverInfo else { return "PostgreSQL client error \(error.code)" }
            var parts: [String] = []
            let state = info[.sqlState] ?? "?????"
            parts.append("PostgreSQL SQLSTATE \(state)")
            if !state.hasPrefix("22"), let message = info[.message] { parts.append(message) }
            let named: [(PSQLError.ServerInfo.Field, String)] = [
                (.tableName, "table"), (.columnName, "column"), (.constraintName, "constraint"), (.dataTypeName, "type"),
            ]
            for (field, label) in named {
                if let name = info[field] { parts.append("\(label) \(name)") }
            }
            return parts.joined(separator: "; ")
        default:
            return "\(type(of: error))"
        }
    }
}
