import Gateway

/// The ranges of the numbers clients send, in one place: every number is checked against its
/// range where it is decoded, before any other code sees it (limits and profiles check theirs
/// in their own throwing initializers, in Tenancy).
enum ClientNumbers {
    /// `max_tokens` / `max_completion_tokens`: no model here has a context of a million
    /// tokens; the team profile's ceiling lowers it further.
    static let maxTokens: ClosedRange<Int> = 1...1_048_576
}

extension KeyedDecodingContainer {
    /// An integer field, refusing (naming the field) numbers that are not whole, do not fit,
    /// or — given `range` — lie outside it. `1e40` would otherwise fail as "not valid JSON"
    /// without saying where.
    func wholeNumber(forKey key: Key, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        let value: Int
        if let whole = try? decode(Int.self, forKey: key) {
            value = whole
        } else {
            let number = try decode(Double.self, forKey: key)
            guard number.isFinite, number.rounded() == number else {
                throw GatewayError.invalid("'\(key.stringValue)' must be a whole number", param: key.stringValue)
            }
            guard abs(number) < 9.0e15 else {
                throw GatewayError.invalid(
                    "'\(key.stringValue)' must be a whole number from -9223372036854775808 to 9223372036854775807, "
                        + "written as an integer", param: key.stringValue)
            }
            value = Int(number)
        }
        if let range, !range.contains(value) {
            throw GatewayError.invalid(
                "'\(key.stringValue)' must be a whole number from \(range.lowerBound) to \(range.upperBound)",
                param: key.stringValue)
        }
        return value
    }
}
