import Synchronization
import Tenancy

/// One request's guardrails: the team's settings and the placeholders handed out so far, so
/// the same value gets the same placeholder in every message, chunk and answer of the
/// request (`[EMAIL_1]` twice for the same address, `[EMAIL_2]` for another), and the answer
/// can have them restored. Lives as long as the request; the values never leave it.
final class GuardrailSession: Sendable {
    /// Thread steps the team's patterns may take per request: about 0.1 s of matching at the
    /// ~20 ns a step measured on the 2-core CI machine; a typical pattern takes 2–3 steps a byte.
    static let patternBudget = 5_000_000

    let settings: GuardrailSettings
    let scanner: EntityScanner
    private let state = Mutex(State())

    struct State {
        /// "LABEL\0value" → placeholder.
        var placeholders: [String: String] = [:]
        /// placeholder → value, for the client's own values only: those are what a restored
        /// answer may give back. A value first met in a retrieved chunk or in the answer has a
        /// placeholder but no entry, else a model writing `boss@corp.com … [EMAIL_1]` would
        /// have the client read `[EMAIL_1] … boss@corp.com`.
        var values: [String: String] = [:]
        var counters: [String: Int] = [:]
        var budget = GuardrailSession.patternBudget
        /// The patterns' thread lists, shared by the request's scans (one allocation per
        /// request, not one per pattern per message, chunk and streamed piece).
        var scratch = BoundedRegex.Scratch()
    }

    /// A text after the guardrails: what to send on, and what was found.
    struct Screened {
        let text: String
        let hits: [GuardrailHit]
        var blocked: GuardrailHit? { hits.first { $0.action == .block } }
    }

    init(settings: GuardrailSettings) {
        self.settings = settings
        scanner = EntityScanner(settings: settings)
    }

    /// Where a screened text comes from: only the client's values may be restored.
    enum Origin {
        case client, retrieved, answer
    }

    /// `text` with every redacted or blocked value replaced by its placeholder.
    func screen(_ text: String, from origin: Origin) throws(BoundedRegex.BudgetExceeded) -> Screened {
        let bytes = Array(text.utf8)
        let hits = try scan(bytes)
        guard !hits.isEmpty else { return Screened(text: text, hits: []) }
        return Screened(text: render(bytes[...], hits: hits, from: origin, restoring: nil), hits: hits)
    }

    /// The hits in `bytes`, found in their ``FoldedText`` (so a card number with no-break spaces
    /// or full-width digits is still one), with ranges in `bytes` themselves.
    func scan(_ bytes: [UInt8]) throws(BoundedRegex.BudgetExceeded) -> [GuardrailHit] {
        try scan(FoldedText(bytes))
    }

    /// ``scan(_:)`` of a text already folded (the answer guard folds each piece once for both
    /// the scan and its hold-back).
    func scan(_ folded: FoldedText) throws(BoundedRegex.BudgetExceeded) -> [GuardrailHit] {
        // The scratch is taken out while in use (a concurrent scan of the same request
        // would start its own), so no copy of it is made.
        var (budget, scratch) = state.withLock { state in
            var scratch = BoundedRegex.Scratch()
            swap(&scratch, &state.scratch)
            return (state.budget, scratch)
        }
        defer {
            state.withLock { state in
                state.budget = max(0, budget)
                swap(&scratch, &state.scratch)
            }
        }
        let hits = try scanner.scan(folded.bytes, budget: &budget, scratch: &scratch)
        guard !folded.isIdentity else { return hits }
        return hits.map { GuardrailHit(kind: $0.kind, range: folded.originalRange($0.range), action: $0.action) }
    }

    /// How a restored value is written: as it was, or as the inside of a JSON string.
    enum Restoring {
        case verbatim, jsonEscaped
    }

    /// `bytes` with `hits` (those inside it) replaced by placeholders and, when `restoring`,
    /// the placeholders of the client's values in the rest replaced by those values.
    func render(_ bytes: ArraySlice<UInt8>, hits: [GuardrailHit], from origin: Origin, restoring: Restoring?)
        -> String
    {
        var output = ""
        output.reserveCapacity(bytes.count)
        var at = bytes.startIndex
        func plain(_ part: ArraySlice<UInt8>) -> String {
            guard let restoring else { return String(decoding: part, as: UTF8.self) }
            return restore(part, as: restoring)
        }
        for hit in hits where hit.range.lowerBound >= at && hit.range.upperBound <= bytes.endIndex {
            output += plain(bytes[at..<hit.range.lowerBound])
            output += placeholder(
                for: String(decoding: bytes[hit.range], as: UTF8.self), label: label(of: hit.kind),
                restorable: origin == .client)
            at = hit.range.upperBound
        }
        output += plain(bytes[at...])
        return output
    }

    func label(of kind: GuardrailHit.Kind) -> String {
        switch kind {
        case let .entity(entity): entity.label
        case let .pattern(index): settings.patterns[index].label
        }
    }

    /// The metric label and the refusal's wording of a hit (a pattern by its name, which the
    /// team chose; the metric says `pattern` only, to keep labels bounded).
    func describe(_ kind: GuardrailHit.Kind) -> (metric: String, display: String) {
        switch kind {
        case let .entity(entity): (entity.rawValue, entity.displayName)
        case let .pattern(index): ("pattern", "text matching the pattern '\(settings.patterns[index].name)'")
        }
    }

    private func placeholder(for value: String, label: String, restorable: Bool) -> String {
        state.withLock { state in
            let key = label + "\u{0}" + value
            if let known = state.placeholders[key] { return known }
            let number = (state.counters[label] ?? 0) + 1
            state.counters[label] = number
            let placeholder = "[\(label)_\(number)]"
            state.placeholders[key] = placeholder
            if restorable { state.values[placeholder] = value }
            return placeholder
        }
    }

    /// The text with the placeholders of the client's values (`[LABEL_n]`) replaced by them.
    private func restore(_ bytes: ArraySlice<UInt8>, as restoring: Restoring) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard settings.restore, bytes.contains(0x5B) else { return text }
        let values = state.withLock { $0.values }
        guard !values.isEmpty else { return text }
        var output = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]") {
            let candidate = String(rest[open...close])
            output += rest[..<open]
            if let value = values[candidate] {
                output += restoring == .jsonEscaped ? JSONText.escaped(value) : value
            } else {
                output += candidate
            }
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }
}
