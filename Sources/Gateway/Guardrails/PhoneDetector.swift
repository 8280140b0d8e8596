import Tenancy

/// Phone numbers as people write them: international (`+49 30 1234567`, `+1-555-123-4567`,
/// 8 to 15 digits after the `+`) or national with separators (`(555) 123-4567`,
/// `555.123.4567`, `030 1234 5678`: 10 or 11 digits, with an area code in parentheses, in the
/// North American 3-3-4 groups, or starting with a trunk `0`). A bare run of digits is not
/// taken for a phone number (order numbers, amounts), nor are dates or groups read out of a
/// longer code.
struct PhoneDetector: EntityDetector {
    let entity = GuardrailEntity.phone

    func ranges(in text: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < text.count {
            let byte = text[index]
            let starts = ASCII.isDigit(byte) || (byte == 0x2B || byte == 0x28) && index + 1 < text.count
            guard starts, ASCII.startsFree(text, index, glued: Self.glued), !ASCII.continuesCode(text, index) else {
                index += 1
                continue
            }
            if let end = match(text, from: index) {
                found.append(index..<end)
                index = end
            } else {
                index += 1
                while index < text.count, ASCII.isDigit(text[index]) { index += 1 }
            }
        }
        return found
    }

    private static func glued(_ byte: UInt8) -> Bool {
        ASCII.isAlphanumeric(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E || byte == 0x2F || byte == 0x5F
    }

    /// The end of a phone number starting at `start`, if one does.
    private func match(_ text: [UInt8], from start: Int) -> Int? {
        var index = start
        let international = text[index] == 0x2B
        if international { index += 1 }
        var groups: [Int] = []
        var parenthesized = false
        var end = index
        while index < text.count {
            if text[index] == 0x28 {  // "(555)"
                guard groups.isEmpty || international, !parenthesized else { break }
                var close = index + 1
                while close < text.count, ASCII.isDigit(text[close]) { close += 1 }
                guard close < text.count, text[close] == 0x29, close - index - 1 >= 1, close - index - 1 <= 4 else { break }
                groups.append(close - index - 1)
                parenthesized = true
                index = close + 1
                end = index
            } else if ASCII.isDigit(text[index]) {
                let groupStart = index
                while index < text.count, ASCII.isDigit(text[index]) { index += 1 }
                groups.append(index - groupStart)
                end = index
            } else {
                break
            }
            // One separator (space, hyphen, dot) before the next group.
            guard index + 1 < text.count, [0x20, 0x2D, 0x2E].contains(text[index]),
                ASCII.isDigit(text[index + 1]) || text[index + 1] == 0x28
            else { break }
            index += 1
        }
        guard ASCII.endsFree(text, end, glued: { ASCII.isAlphanumeric($0) || $0 == 0x5F })
            && !(end + 1 < text.count && (text[end] == 0x2E || text[end] == 0x2D) && ASCII.isDigit(text[end + 1]))
        else { return nil }
        let digits = groups.reduce(0, +)
        if international {
            return (8...15).contains(digits) && groups.count >= 2 && groups.allSatisfy({ $0 <= 8 }) ? end : nil
        }
        let trunk = text[start] == 0x30 && groups.count >= 2
        guard (10...11).contains(digits), parenthesized && groups.count >= 2 || groups == [3, 3, 4] || trunk,
            groups.allSatisfy({ $0 >= 2 && $0 <= 8 })
        else { return nil }
        // Dates and times are not phone numbers: 2024-01-15, 15.01.2024.
        if groups.count == 3, groups == [4, 2, 2] || groups == [2, 2, 4] { return nil }
        return end
    }
}
