import Tenancy

/// Recognizes one kind of personal data or secret in text. Detectors are pure values: they
/// read the text's UTF-8 bytes (every entity they know is ASCII, so a range never splits a
/// character) and return where the entities lie, checking check digits where the format has
/// them, so a number that only looks like one is left alone.
protocol EntityDetector: Sendable {
    var entity: GuardrailEntity { get }
    /// Byte ranges of the entities in `text`, in order, not overlapping.
    func ranges(in text: [UInt8]) -> [Range<Int>]
}

/// Byte classes the detectors share.
enum ASCII {
    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    @inline(__always) static func isUpper(_ byte: UInt8) -> Bool { byte &- 0x41 < 26 }
    @inline(__always) static func isLower(_ byte: UInt8) -> Bool { byte &- 0x61 < 26 }
    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool { isUpper(byte) || isLower(byte) }
    @inline(__always) static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
    @inline(__always) static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20) &- 0x61 < 6
    }

    /// Whether the byte before `index` is absent or not one of `glued` (a word or number continues).
    @inline(__always) static func startsFree(_ text: [UInt8], _ index: Int, glued: (UInt8) -> Bool) -> Bool {
        index == 0 || !glued(text[index - 1])
    }

    /// Whether the number at `index` continues a longer grouped code: it follows single
    /// spaces or hyphens after words of capitals and digits of which one holds a digit
    /// (`DE89 3704 …`, `NL80 EVOQ 0838 …`, `2813 0430 …`) — so a card or phone number is not
    /// read out of the middle of one. Words with lowercase letters end the look back.
    static func continuesCode(_ text: [UInt8], _ index: Int) -> Bool {
        var separator = index - 1
        var words = 0
        while separator >= 1, text[separator] == 0x20 || text[separator] == 0x2D, words < 8 {
            var start = separator
            var sawDigit = false
            var capitalsAndDigits = true
            while start > 0, isAlphanumeric(text[start - 1]) {
                start -= 1
                if isDigit(text[start]) { sawDigit = true }
                if isLower(text[start]) { capitalsAndDigits = false }
            }
            guard start < separator else { return false }
            if sawDigit { return true }
            guard capitalsAndDigits else { return false }
            separator = start - 1
            words += 1
        }
        return false
    }

    @inline(__always) static func endsFree(_ text: [UInt8], _ end: Int, glued: (UInt8) -> Bool) -> Bool {
        end >= text.count || !glued(text[end])
    }
}

/// Digit groups separated by one separator byte each (`4111 1111 1111 1111`,
/// `123-45-6789`), as found starting at a digit: the groups' ranges and the separators used.
struct DigitGroups {
    var groups: [Range<Int>] = []
    var separators: [UInt8] = []

    /// Reads groups from `start` (a digit) while one of `separators` is followed by a digit.
    static func read(_ text: [UInt8], from start: Int, separators allowed: [UInt8], maximumGroups: Int = 12) -> DigitGroups {
        var result = DigitGroups()
        var index = start
        while index < text.count, ASCII.isDigit(text[index]) {
            let groupStart = index
            while index < text.count, ASCII.isDigit(text[index]) { index += 1 }
            result.groups.append(groupStart..<index)
            guard result.groups.count < maximumGroups, index + 1 < text.count, allowed.contains(text[index]),
                ASCII.isDigit(text[index + 1])
            else { break }
            result.separators.append(text[index])
            index += 1
        }
        return result
    }

    var digitCount: Int { groups.reduce(0) { $0 + $1.count } }

    /// The digits of groups `range` as values 0…9.
    func digits(_ text: [UInt8], groups range: Range<Int>) -> [UInt8] {
        var digits: [UInt8] = []
        for group in groups[range] { for index in group { digits.append(text[index] - 0x30) } }
        return digits
    }
}
