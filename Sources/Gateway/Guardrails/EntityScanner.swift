import Tenancy

/// One thing a scan found: an entity type or one of the team's patterns, where it lies (bytes
/// of the UTF-8 text) and what the team does with it.
struct GuardrailHit: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case entity(GuardrailEntity)
        /// The index of the team's pattern.
        case pattern(Int)
    }

    let kind: Kind
    let range: Range<Int>
    let action: GuardrailAction
}

/// Runs every detector and the team's patterns over a text and keeps, where matches overlap,
/// the one of higher priority: secrets, then the checksummed types (an IBAN, whose check is the
/// strongest, before a card number that may hide in its digits; a card number is not also a
/// phone number), then the rest, then the team's patterns. Matches of allowed types are
/// dropped last, so an allowed card number is never mistaken for something redacted.
struct EntityScanner: Sendable {
    /// In priority order.
    static let detectors: [any EntityDetector] = [
        SecretDetector(), IBANDetector(), PaymentCardDetector(), NationalIDDetector(), EmailDetector(),
        IPAddressDetector(), PhoneDetector(),
    ]

    let settings: GuardrailSettings

    /// The hits to act on, in text order, not overlapping.
    /// - Parameter scratch: the patterns' thread lists, reused across the request's scans.
    /// - Throws: ``BoundedRegex/BudgetExceeded`` when the team's patterns spend `budget`.
    func scan(_ text: [UInt8], budget: inout Int, scratch: inout BoundedRegex.Scratch)
        throws(BoundedRegex.BudgetExceeded) -> [GuardrailHit]
    {
        var accepted: [GuardrailHit] = []
        func overlaps(_ range: Range<Int>) -> Bool { accepted.contains { $0.range.overlaps(range) } }
        for detector in Self.detectors {
            let action = settings.action(for: detector.entity)
            for range in detector.ranges(in: text) where !overlaps(range) {
                accepted.append(GuardrailHit(kind: .entity(detector.entity), range: range, action: action))
            }
        }
        for (index, pattern) in settings.patterns.enumerated() {
            for range in try pattern.compiled.matches(in: text, budget: &budget, scratch: &scratch) where !overlaps(range) {
                accepted.append(GuardrailHit(kind: .pattern(index), range: range, action: pattern.action))
            }
        }
        return accepted.filter { $0.action != .allow }.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }
}
