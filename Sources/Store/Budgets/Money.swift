import Foundation

/// An exact amount of money: whole millionths ("micros") of the unit the owner prices in.
/// Never a floating-point number — a budget of 12.50 is 12_500_000 micros, and sums of
/// prices add up to the last micro on every replica.
///
/// ```swift
/// let price = try Money(parsing: "0.15")   // 150_000 micros
/// price.description                         // "0.15"
/// ```
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let micros: Int64

    /// Micros per unit: six decimal places.
    public static let scale: Int64 = 1_000_000
    /// The largest amount accepted (10^9 units): far below `Int64.max`, so a spend, a
    /// reservation and a percentage of them never overflow.
    public static let maximum = Money(micros: 1_000_000_000 * scale)
    public static let zero = Money(micros: 0)

    public init(micros: Int64) {
        self.micros = micros
    }

    /// Parses a plain decimal (`12`, `12.5`, `0.000150`): ASCII digits, at most one point,
    /// at most six decimal places, no sign, no exponent, at most ``maximum``.
    public init(parsing text: String, field: String) throws(StoreError) {
        let problem = "must be a decimal amount from 0 to 1000000000 with at most 6 decimal places, like \"12.50\""
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let isDigits = { (part: Substring) in part.utf8.allSatisfy { (48...57).contains($0) } }
        guard !(whole.isEmpty && fraction.isEmpty), isDigits(whole), isDigits(fraction), fraction.count <= 6,
            whole.count <= 10, !(parts.count > 1 && fraction.isEmpty)
        else { throw StoreError.invalidValue(field: field, problem: problem) }
        let units = Int64(whole.isEmpty ? "0" : whole) ?? Int64.max
        let micros = Int64(fraction.padding(toLength: 6, withPad: "0", startingAt: 0)) ?? 0
        guard units <= Self.maximum.micros / Self.scale else { throw StoreError.invalidValue(field: field, problem: problem) }
        let total = units * Self.scale + micros
        guard total <= Self.maximum.micros else { throw StoreError.invalidValue(field: field, problem: problem) }
        self.micros = total
    }

    /// The shortest exact decimal: `12.5`, `12`, `0.00015`.
    public var description: String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let units = magnitude / UInt64(Self.scale)
        var fraction = String(magnitude % UInt64(Self.scale))
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + String(units) + (fraction.isEmpty ? "" : "." + fraction)
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.micros < rhs.micros }
}
