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

/// Runs every detector and the team's patterns over a text and keeps, where matches overlap:
/// - among the detectors, the type of higher priority — secrets, then the checksummed types (an
///   IBAN, whose check is the strongest, before a card number that may hide in its digits; a
///   card number is not also a phone number), then the rest — whatever the team does with it,
///   so an allowed card number is never mistaken for a redacted phone number;
/// - then, among the types the team redacts or blocks and its patterns, the match that does
///   more — a block before a redaction — and among equals the type before the pattern. An
///   allowed type claims nothing from a pattern: it did, and a block pattern overlapping an
///   allowed email or IP address (`[a-z.]+@secret-project\.com`, `bluebird` in
///   `bluebird@example.com`) never fired; one overlapping a redacted type was only redacted.
struct EntityScanner: Sendable {
    /// In priority order.
    static let detectors: [any EntityDetector] = [
        SecretDetector(), IBANDetector(), PaymentCardDetector(), NationalIDDetector(), EmailDetector(),
        IPAddressDetector(), PhoneDetector(),
    ]

    let settings: GuardrailSettings

    /// The hits to act on, in text order, not overlapping.
    /// - Parameter text: a ``FoldedText``'s bytes.
    /// - Parameter scratch: the regular expressions' thread lists, reused across the request's scans.
    /// - Throws: ``BoundedRegex/BudgetExceeded`` when the team's regular expressions spend
    ///   `budget` (deny-lists of terms cost none of it).
    func scan(_ text: [UInt8], budget: inout Int, scratch: inout BoundedRegex.Scratch)
        throws(BoundedRegex.BudgetExceeded) -> [GuardrailHit]
    {
        // Which bytes a kept match covers: each check costs its match's length, not the matches
        // kept so far (one detector's or pattern's matches never overlap, so this stays linear).
        var claimed: [Bool] = []
        func claim(_ range: Range<Int>) -> Bool {
            if claimed.isEmpty { claimed = [Bool](repeating: false, count: text.count) }
            guard !claimed[range].contains(true) else { return false }
            for index in range { claimed[index] = true }
            return true
        }
        var found: [GuardrailHit] = []  // types first, in priority order, then patterns
        for detector in Self.detectors {
            let action = settings.action(for: detector.entity)
            for range in detector.ranges(in: text) where claim(range) && action != .allow {
                found.append(GuardrailHit(kind: .entity(detector.entity), range: range, action: action))
            }
        }
        var keys: TermKeys?  // the text as deny-lists read it, made once for all of them
        for (index, pattern) in settings.patterns.enumerated() {
            let ranges: [Range<Int>]
            switch pattern.matcher {
            case let .regex(regex):
                ranges = try regex.matches(in: text, budget: &budget, scratch: &scratch)
            case let .terms(terms):
                let textKeys = keys ?? TermKeys(folded: text)
                keys = textKeys
                ranges = terms.matches(in: textKeys)
            }
            for range in ranges {
                found.append(GuardrailHit(kind: .pattern(index), range: range, action: pattern.action))
            }
        }
        guard found.count > 1 else { return found }
        claimed = []
        var accepted: [GuardrailHit] = []
        for action in [GuardrailAction.block, .redact] {
            for hit in found where hit.action == action && claim(hit.range) { accepted.append(hit) }
        }
        return accepted.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }
}
