import Tenancy

/// National identification numbers:
/// - US Social Security numbers in their written form `123-45-6789` (no area 000, 666 or
///   900–999, no group 00, no serial 0000);
/// - German tax ids (Steuerliche Identifikationsnummer), 11 digits, compact or as
///   `12 345 678 901`, with the ISO 7064 MOD 11,10 check digit;
/// - UK National Insurance numbers `AB 12 34 56 C` / `AB123456C` (valid prefix letters,
///   suffix A–D).
struct NationalIDDetector: EntityDetector {
    let entity = GuardrailEntity.nationalID

    func ranges(in text: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < text.count {
            let byte = text[index]
            if ASCII.isDigit(byte), ASCII.startsFree(text, index, glued: Self.glued) {
                let run = DigitGroups.read(text, from: index, separators: [0x20, 0x2D], maximumGroups: 4)
                if let end = Self.ssn(text, run) ?? Self.germanTaxID(text, run) {
                    found.append(index..<end)
                }
                index = run.groups.last!.upperBound
            } else if ASCII.isUpper(byte), ASCII.startsFree(text, index, glued: ASCII.isAlphanumeric),
                let end = Self.nationalInsurance(text, from: index)
            {
                found.append(index..<end)
                index = end
            } else {
                index += 1
            }
        }
        return found
    }

    private static func glued(_ byte: UInt8) -> Bool {
        ASCII.isAlphanumeric(byte) || byte == 0x2D || byte == 0x2E || byte == 0x2C || byte == 0x2F
    }

    private static func freeEnd(_ text: [UInt8], _ end: Int) -> Bool {
        ASCII.endsFree(text, end, glued: ASCII.isAlphanumeric)
            && !(end + 1 < text.count && [0x2D, 0x2E, 0x2C, 0x2F].contains(text[end]) && ASCII.isDigit(text[end + 1]))
    }

    static func ssn(_ text: [UInt8], _ run: DigitGroups) -> Int? {
        guard run.groups.count >= 3, run.groups[0].count == 3, run.groups[1].count == 2, run.groups[2].count == 4,
            run.separators[0] == 0x2D, run.separators[1] == 0x2D, freeEnd(text, run.groups[2].upperBound)
        else { return nil }
        let digits = run.digits(text, groups: 0..<3).map(Int.init)
        let area = digits[0] * 100 + digits[1] * 10 + digits[2]
        let group = digits[3] * 10 + digits[4]
        let serial = digits[5...].reduce(0) { $0 * 10 + $1 }
        guard area != 0, area != 666, area < 900, group != 0, serial != 0 else { return nil }
        return run.groups[2].upperBound
    }

    static func germanTaxID(_ text: [UInt8], _ run: DigitGroups) -> Int? {
        let span: Int
        if run.groups[0].count == 11 {
            span = 1
        } else if run.groups.count >= 4, run.groups[0..<4].map(\.count) == [2, 3, 3, 3],
            run.separators[0..<3].allSatisfy({ $0 == 0x20 })
        {
            span = 4
        } else {
            return nil
        }
        let end = run.groups[span - 1].upperBound
        let digits = run.digits(text, groups: 0..<span)
        guard freeEnd(text, end), digits[0] != 0, taxIDCheckDigit(digits[0..<10]) == digits[10] else { return nil }
        return end
    }

    /// ISO 7064 MOD 11,10 over the first ten digits.
    static func taxIDCheckDigit(_ digits: ArraySlice<UInt8>) -> UInt8 {
        var product = 10
        for digit in digits {
            var sum = (Int(digit) + product) % 10
            if sum == 0 { sum = 10 }
            product = (sum * 2) % 11
        }
        let check = 11 - product
        return UInt8(check == 10 ? 0 : check)
    }

    static let invalidNIPrefixes: Set<String> = ["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"]

    static func nationalInsurance(_ text: [UInt8], from start: Int) -> Int? {
        guard start + 9 <= text.count, ASCII.isUpper(text[start + 1]) else { return nil }
        let first = text[start]
        let second = text[start + 1]
        guard !Array("DFIQUV".utf8).contains(first), !Array("DFIQUVO".utf8).contains(second),
            !invalidNIPrefixes.contains(String(decoding: [first, second], as: UTF8.self))
        else { return nil }
        var index = start + 2
        var digits = 0
        let spaced = text[index] == 0x20
        while digits < 6 {
            if spaced {
                guard index < text.count, text[index] == 0x20 else { return nil }
                index += 1
            }
            guard index + 1 < text.count, ASCII.isDigit(text[index]), ASCII.isDigit(text[index + 1]) else { return nil }
            index += 2
            digits += 2
        }
        if spaced {
            guard index < text.count, text[index] == 0x20 else { return nil }
            index += 1
        }
        guard index < text.count, (0x41...0x44).contains(text[index]) else { return nil }
        index += 1
        return ASCII.endsFree(text, index, glued: ASCII.isAlphanumeric) ? index : nil
    }
}
