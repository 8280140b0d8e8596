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
    /// held text is released but for its last ``overflowTail`` bytes, so holding stays bounded.
    static let maximumHeld = 16_384
    /// What an overflow keeps back, to be scanned again with what follows: an entity that
    /// straddles the point of overflow is then still found whole (releasing everything split
    /// `…:4111111111` | `111111` into two harmless halves). Longer than any built-in type
    /// but a JWT can be (an email, the longest, is at most 318 bytes); a JWT or a pattern
    /// match longer than this, straddling the 16 KiB point, is not guaranteed.
    static let overflowTail = 4096

    let session: GuardrailSession
    /// The answer is one JSON object (JSON mode): a placeholder can only stand inside one of
    /// its strings, so its value is restored JSON-escaped — raw, a quote in a restored secret
    /// would end the string and let the value write keys of its own into the object.
    let restoresInJSON: Bool
    private var pending: [UInt8] = []
    /// Set when the answer reached a blocked entity (or the patterns' budget ran out): nothing
    /// more is passed on, and the answer finishes with `content_filter`.
    private(set) var blocked: GuardrailHit?
    private(set) var exhausted = false
    /// A piece that ends no word is scanned only once the held text reaches this size, which
    /// doubles with each scan: until a word ends, nothing but the spaced groups before it could
    /// be released, and rescanning the whole held word for every piece was quadratic (a 256 KB
    /// unbroken answer in 4-byte pieces took 12.7 s to guard, 0.87 s unguarded).
    private var nextScan = 0

    init(session: GuardrailSession, restoresInJSON: Bool = false) {
        self.session = session
        self.restoresInJSON = restoresInJSON
    }

    var stopped: Bool { blocked != nil || exhausted }

    /// What of `piece` (and what was held before it) may be passed on now.
    mutating func accept(_ piece: String) -> String {
        guard !stopped else { return "" }
        pending.append(contentsOf: piece.utf8)
        guard pending.count >= nextScan || pending.count > Self.maximumHeld || Self.endsAWord(piece) else { return "" }
        return release(final: false)
    }

    /// Whether `piece` has a character that ends a word as ``heldFrom(_:folded:)`` reads words
    /// (a space, or one that is part of no word there); a character split between pieces counts too.
    private static func endsAWord(_ piece: String) -> Bool {
        let bytes = FoldedText(Array(piece.utf8)).bytes
        var end = bytes.count
        while end > 0 {
            guard let start = wordCharacter(before: end, in: bytes) else { return true }
            end = start
        }
        return false
    }

    /// Where the character ending at `end` in folded `bytes` starts, if it is part of a word
    /// the guard holds back: ASCII but a space, or a word character of a script written with
    /// spaces. Bytes that are not whole UTF-8 (a character split between pieces) are not.
    private static func wordCharacter(before end: Int, in bytes: [UInt8]) -> Int? {
        let last = bytes[end - 1]
        if last < 0x80 { return ASCII.isSpace(last) ? nil : end - 1 }
        var start = end - 1
        while start > 0, end - start < 4, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        guard let (scalar, width) = FoldedText.decode(bytes, at: start), start + width == end, TermKeys.isWord(scalar)
        else { return nil }
        return start
    }

    /// Everything still held, at the end of the answer.
    mutating func finish() -> String {
        guard !stopped else { return "" }
        return release(final: true)
    }

    /// The hits found along the way, for metrics (entity and pattern hits in the answer).
    private(set) var hits: [GuardrailHit] = []

    private mutating func release(final: Bool) -> String {
        let folded = FoldedText(pending)
        let found: [GuardrailHit]
        do {
            found = try session.scan(folded)
        } catch {
            exhausted = true
            pending = []
            return ""
        }
        var cut = final ? pending.count : Self.heldFrom(pending, folded: folded)
        if !final, pending.count > Self.maximumHeld { cut = max(cut, pending.count - Self.overflowTail) }
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
        let text = session.render(
            pending[0..<cut], hits: released, from: .answer, restoring: restoresInJSON ? .jsonEscaped : .verbatim)
        pending.removeFirst(blocked == nil ? cut : pending.count)
        nextScan = 2 * pending.count
        return text
    }

    /// Where the text that must wait begins: the last word and the spaced groups before it,
    /// read as the detectors read them (``FoldedText``: a full-width `４１１１` is a group of
    /// digits). A word goes on through the letters of any script written with spaces
    /// (``TermKeys/isWord(_:)``: a deny-list's `секрет` split `сек` | `рет` between pieces was
    /// released in halves and never matched); any other character that folds to no ASCII (`メ`,
    /// `。`) ends a word as a space does, so an answer in a language written without spaces streams.
    static func heldFrom(_ text: [UInt8], folded: FoldedText) -> Int {
        let bytes = folded.bytes
        var cut = bytes.count
        while cut > 0, let start = wordCharacter(before: cut, in: bytes) { cut = start }
        // Words before it, each after one space, that could be groups of a spaced number.
        var groups: [Range<Int>] = []  // right to left
        while cut > 0, bytes.count - cut < spacedWindow, bytes[cut - 1] == 0x20 {
            var start = cut - 1
            while start > 0, bytes[start - 1] < 0x80, !ASCII.isSpace(bytes[start - 1]) { start -= 1 }
            guard isSpacedGroup(bytes[start..<(cut - 1)]) else { break }
            groups.append(start..<(cut - 1))
            cut = start
        }
        // An entity's first group has a digit or is in capitals (`gb82 west …`, `AB 12 34 56 C`),
        // so lowercase words at the start of the run (`your card 4111 …`) go at once.
        while let first = groups.last, bytes[first].contains(where: ASCII.isLower), !bytes[first].contains(where: ASCII.isDigit) {
            groups.removeLast()
            cut = first.upperBound + 1
        }
        cut = cut == bytes.count ? text.count : folded.originalRange(cut..<(cut + 1)).lowerBound
        if let begin = lastOpenPrivateKey(text), begin < cut { cut = begin }
        return cut
    }

    /// A word that could be one group of a spaced card number, phone, national id or IBAN
    /// (whose groups are four characters, in either case: `gb82 west 1234 …`).
    private static func isSpacedGroup(_ word: ArraySlice<UInt8>) -> Bool {
        guard !word.isEmpty else { return false }
        if word.count == 4, word.allSatisfy(ASCII.isAlphanumeric) { return true }
        return word.allSatisfy { ASCII.isDigit($0) || ASCII.isUpper($0) || $0 == 0x2B || $0 == 0x28 || $0 == 0x29 || $0 == 0x2D }
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
