import Tenancy

/// The guardrails on an answer as it streams: text is passed on as soon as nothing after it
/// could still turn it into part of an entity, and held back otherwise — the unfinished last
/// word, the words before it that could belong to a spaced number (`4111 1111 …`,
/// `DE89 3704 …`, `AB 12 34 56 C`, up to ``spacedWindow`` bytes), and an open private-key
/// block — so an entity split across chunks is still found whole. Placeholders in the
/// answer are restored when the team asks for it; a blocked entity ends the answer before it.
struct AnswerGuard {
    /// The most bytes of spaced groups held back behind the last word.
    static let spacedWindow = 48
    /// The most bytes held at once: past it (a long unbroken run, a runaway key block) the
    /// held text is scanned and released as if the answer ended, so rescanning stays bounded.
    static let maximumHeld = 16_384

    let session: GuardrailSession
    private var pending: [UInt8] = []
    /// Set when the answer reached a blocked entity (or the patterns' budget ran out): nothing
    /// more is passed on, and the answer finishes with `content_filter`.
    private(set) var blocked: GuardrailHit?
    private(set) var exhausted = false

    init(session: GuardrailSession) {
        self.session = session
    }

    var stopped: Bool { blocked != nil || exhausted }

    /// What of `piece` (and what was held before it) may be passed on now.
    mutating func accept(_ piece: String) -> String {
        guard !stopped else { return "" }
        pending.append(contentsOf: piece.utf8)
        return release(final: pending.count > Self.maximumHeld)
    }

    /// Everything still held, at the end of the answer.
    mutating func finish() -> String {
        guard !stopped else { return "" }
        return release(final: true)
    }

    /// The hits found along the way, for metrics (entity and pattern hits in the answer).
    private(set) var hits: [GuardrailHit] = []

    private mutating func release(final: Bool) -> String {
        let found: [GuardrailHit]
        do {
            found = try session.scan(pending)
        } catch {
            exhausted = true
            pending = []
            return ""
        }
        var cut = final ? pending.count : Self.heldFrom(pending)
        for hit in found where hit.range.lowerBound < cut && hit.range.upperBound > cut { cut = hit.range.lowerBound }
        while cut > 0, cut < pending.count, pending[cut] & 0xC0 == 0x80 { cut -= 1 }
        var released = found.filter { $0.range.upperBound <= cut }
        if let block = released.first(where: { $0.action == .block }) {
            blocked = block
            cut = block.range.lowerBound
            released = released.filter { $0.range.upperBound <= cut }
            hits.append(block)
        }
        hits.append(contentsOf: released)
        let text = session.render(pending[0..<cut], hits: released, restoring: true)
        pending.removeFirst(blocked == nil ? cut : pending.count)
        return text
    }

    /// Where the text that must wait begins.
    static func heldFrom(_ text: [UInt8]) -> Int {
        var cut = text.count
        while cut > 0, !ASCII.isSpace(text[cut - 1]) { cut -= 1 }
        // Words before it that could be groups of a spaced number.
        while cut > 0, text.count - cut < spacedWindow {
            var start = cut - 1
            while start > 0, !ASCII.isSpace(text[start - 1]) { start -= 1 }
            let word = text[start..<(cut - 1)]
            guard !word.isEmpty, word.allSatisfy(isSpacedGroupByte) else { break }
            cut = start
        }
        if let begin = lastOpenPrivateKey(text), begin < cut { cut = begin }
        return cut
    }

    private static func isSpacedGroupByte(_ byte: UInt8) -> Bool {
        ASCII.isDigit(byte) || ASCII.isUpper(byte) || byte == 0x2B || byte == 0x28 || byte == 0x29 || byte == 0x2D
    }

    /// The start of a `-----BEGIN` with no `-----END` after it.
    private static func lastOpenPrivateKey(_ text: [UInt8]) -> Int? {
        guard text.count >= 5 else { return nil }
        var index = text.count - 5
        while index >= 0 {
            if SecretDetector.has(SecretDetector.end, in: text, at: index) { return nil }
            if SecretDetector.has(SecretDetector.begin, in: text, at: index) { return index }
            index -= 1
        }
        return nil
    }
}
