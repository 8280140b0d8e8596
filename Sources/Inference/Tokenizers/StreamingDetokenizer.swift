/// Turns generated tokens into text deltas that never split a UTF-8 character: bytes of an unfinished
/// character (an emoji spread over several byte-level tokens) wait for the tokens that complete it.
///
/// ```swift
/// var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
/// for id in generated { send(detokenizer.append(id)) }
/// send(detokenizer.flush())
/// ```
public struct StreamingDetokenizer: Sendable {
    private let tokenizer: any Tokenizer
    private let rendersControlTokens: Bool
    private var pending: [UInt8] = []

    /// `rendersControlTokens`: whether control tokens appear as their text. Off by default, as
    /// llama.cpp's server streams generated text.
    public init(tokenizer: any Tokenizer, rendersControlTokens: Bool = false) {
        self.tokenizer = tokenizer
        self.rendersControlTokens = rendersControlTokens
    }

    /// The text that `id` completes (possibly empty while a character is unfinished).
    public mutating func append(_ id: TokenID) -> String {
        let attributes = tokenizer.vocabulary.attributes(of: id)
        if !rendersControlTokens, !attributes.isDisjoint(with: [.control, .unknown]) { return "" }
        pending.append(contentsOf: tokenizer.tokenBytes(id))
        let complete = pending.count - Self.unfinishedSuffixLength(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is still held back, with U+FFFD for an unfinished character (at the end of generation).
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many trailing bytes start a UTF-8 character that more bytes could still complete.
    static func unfinishedSuffixLength(_ bytes: [UInt8]) -> Int {
        // A character is at most 4 bytes: look back over at most 3 continuation bytes to its lead.
        var continuation = 0
        var index = bytes.count - 1
        while index >= 0, continuation < 3, bytes[index] & 0xC0 == 0x80 {
            continuation += 1
            index -= 1
        }
        guard index >= 0 else { return 0 }
        let lead = bytes[index]
        let expected: Int
        switch lead {
        case 0xC2...0xDF: expected = 2
        case 0xE0...0xEF: expected = 3
        case 0xF0...0xF4: expected = 4
        default: return 0  // ASCII, or a byte no more input can make valid
        }
        return continuation + 1 < expected ? continuation + 1 : 0
    }
}
