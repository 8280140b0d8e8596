import Foundation
import GRDB

/// One value bound to a statement or read from a row, the same for every backend, so that a
/// repository's statements run unchanged on SQLite and on PostgreSQL.
enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    /// PostgreSQL answers booleans as such; SQLite as integers (read either way by `Bool`).
    case bool(Bool)
    /// An instant: SQLite keeps GRDB's UTC text with milliseconds, PostgreSQL a `timestamptz`.
    case date(Date)
}

/// A Swift value a statement can bind.
protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

/// A Swift value a row can be read into, throwing (never trapping) on a value of another kind.
protocol SQLDecodable {
    static func decode(_ value: SQLValue) -> Self?
    /// `nil` for `Optional`: the only type that accepts NULL.
    static var acceptsNull: Bool { get }
}

extension SQLDecodable {
    static var acceptsNull: Bool { false }
}

/// A value already in store form (a column whose form depends on the backend).
extension SQLValue: SQLBindable {
    var sqlValue: SQLValue { self }
}

extension String: SQLBindable, SQLDecodable {
    var sqlValue: SQLValue { .text(self) }
    static func decode(_ value: SQLValue) -> String? {
        switch value {
        case let .text(text): text
        case let .blob(data): String(decoding: data, as: UTF8.self)
        default: nil
        }
    }
}

extension Int: SQLBindable, SQLDecodable {
    var sqlValue: SQLValue { .integer(Int64(self)) }
    static func decode(_ value: SQLValue) -> Int? { Int64.decode(value).map { Int($0) } }
}

extension Int64: SQLBindable, SQLDecodable {
    var sqlValue: SQLValue { .integer(self) }
    static func decode(_ value: SQLValue) -> Int64? {
        switch value {
        case let .integer(integer): integer
        case let .bool(bool): bool ? 1 : 0
        // PostgreSQL's SUM over integers is `numeric`, read as its text.
        case let .text(text): Int64(text)
        default: nil
        }
    }
}

extension Double: SQLBindable, SQLDecodable {
    var sqlValue: SQLValue { .real(self) }
    static func decode(_ value: SQLValue) -> Double? {
        switch value {
        case let .real(real): real
        case let .integer(integer): Double(integer)
        case let .text(text): Double(text)
        default: nil
        }
    }
}

extension Bool: SQLBindable, SQLDecodable {
    var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    static func decode(_ value: SQLValue) -> Bool? {
        switch value {
        case let .bool(bool): bool
        case let .integer(integer): integer != 0
        default: nil
        }
    }
}

extension Data: SQLBindable, SQLDecodable {
    var sqlValue: SQLValue { .blob(self) }
    static func decode(_ value: SQLValue) -> Data? {
        switch value {
        case let .blob(data): data
        case let .text(text): Data(text.utf8)
        default: nil
        }
    }
}

extension Date: SQLBindable, SQLDecodable {
    var sqlValue: SQLValue { .date(self) }
    static func decode(_ value: SQLValue) -> Date? {
        switch value {
        case let .date(date): date
        // GRDB's formats (and, as it does, numbers as Unix times).
        case let .text(text): Date.fromDatabaseValue(text.databaseValue)
        case let .integer(seconds): Date(timeIntervalSince1970: TimeInterval(seconds))
        case let .real(seconds): Date(timeIntervalSince1970: seconds)
        default: nil
        }
    }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    static var acceptsNull: Bool { true }
    static func decode(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
}

/// The values bound to a statement's `?` placeholders, in order.
struct SQLArguments: Sendable, ExpressibleByArrayLiteral {
    var values: [SQLValue]

    init(_ values: [SQLValue] = []) { self.values = values }

    init(arrayLiteral elements: (any SQLBindable)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    static func += (lhs: inout SQLArguments, rhs: SQLArguments) { lhs.values += rhs.values }

    static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments { SQLArguments(lhs.values + rhs.values) }
}
