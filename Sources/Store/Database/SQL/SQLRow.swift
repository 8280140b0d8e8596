/// One result row, by column name or position, whichever backend produced it.
struct SQLRow: Sendable {
    let columns: [String]
    let values: [SQLValue]

    func hasColumn(_ column: String) -> Bool { columns.contains(column) }

    /// The first value of the row (for `SELECT COUNT(*)`, `SELECT EXISTS …`).
    var first: SQLValue { values.first ?? .null }

    /// The value of `column` as `T`; a missing column, NULL where `T` is not optional, or a
    /// value of another kind throws ``StoreError/corruptRow(table:problem:)``.
    func decode<T: SQLDecodable>(_ type: T.Type = T.self, forColumn column: String) throws -> T {
        guard let index = columns.firstIndex(of: column) else {
            throw StoreError.corruptRow(table: "?", problem: "no column \(column)")
        }
        return try Self.decode(values[index], as: T.self, column: column)
    }

    static func decode<T: SQLDecodable>(_ value: SQLValue, as type: T.Type, column: String) throws -> T {
        if case .null = value, !T.acceptsNull {
            throw StoreError.corruptRow(table: "?", problem: "\(column) is NULL")
        }
        guard let decoded = T.decode(value) else {
            throw StoreError.corruptRow(table: "?", problem: "\(column) is not a \(T.self)")
        }
        return decoded
    }
}
