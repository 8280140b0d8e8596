import Foundation
import GRDB

/// Text bound with every one of its bytes.
///
/// GRDB binds a `String` as a C string, so SQLite keeps only what comes before its first NUL;
/// and SQLite hands text columns back the same way. Client text (a chat message, a path the
/// client wrote) may hold NUL, and the audit hashes the full text: stored cut short, the
/// record would no longer match its own hash. Text with a NUL is therefore stored as its
/// UTF-8 bytes (a BLOB), which GRDB reads back into the same `String`; all other text stays
/// plain TEXT, readable as before.
enum ExactText {
    static func value(_ text: String?) -> DatabaseValue {
        guard let text else { return .null }
        guard text.utf8.contains(0) else { return text.databaseValue }
        return Data(text.utf8).databaseValue
    }
}

extension Row {
    /// A text column read back byte for byte: as its bytes, whether SQLite holds it as TEXT or
    /// (with a NUL inside) as a BLOB — reading it as a `String` would stop at the first NUL.
    func exactText(forColumn column: String) throws -> String? {
        try decode(Data?.self, forColumn: column).map { String(decoding: $0, as: UTF8.self) }
    }

    func exactText(required column: String) throws -> String {
        try exactText(forColumn: column) ?? ""
    }
}

extension SQLConnection {
    /// Client text bound byte for byte: TEXT on SQLite (a BLOB when it holds a NUL, through
    /// ``ExactText``), BYTEA on PostgreSQL, whose text cannot hold NUL at all. Read back with
    /// ``SQLRow/decode(_:forColumn:)`` as a `String`, either way.
    func exactText(_ text: String?) -> SQLValue {
        guard let text else { return .null }
        return dialect == .postgres ? .blob(Data(text.utf8)) : .text(text)
    }
}
