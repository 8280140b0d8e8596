import Tenancy

/// Payment card numbers: 13 to 19 digits, compact or grouped by single spaces or hyphens
/// (`4111 1111 1111 1111`), starting with an issuer prefix (Visa, Mastercard, Amex, Discover,
/// JCB, Diners, UnionPay) and passing the Luhn check.
struct PaymentCardDetector: EntityDetector {
    let entity = GuardrailEntity.paymentCard

    func ranges(in text: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < text.count {
            guard ASCII.isDigit(text[index]), ASCII.startsFree(text, index, glued: Self.glued),
                !ASCII.continuesCode(text, index)
            else {
                index += 1
                continue
            }
            let run = DigitGroups.read(text, from: index, separators: [0x20, 0x2D])
            if let groups = match(text, run) {
                found.append(run.groups[groups.lowerBound].lowerBound..<run.groups[groups.upperBound - 1].upperBound)
            }
            index = run.groups.last!.upperBound
        }
        return found
    }

    private static func glued(_ byte: UInt8) -> Bool {
        ASCII.isAlphanumeric(byte) || byte == 0x2D || byte == 0x2E || byte == 0x2C
    }

    /// The longest leftmost span of whole groups that is a card number.
    private func match(_ text: [UInt8], _ run: DigitGroups) -> Range<Int>? {
        for first in run.groups.indices {
            for last in stride(from: run.groups.count, to: first, by: -1) {
                let span = first..<last
                let end = run.groups[last - 1].upperBound
                let count = run.groups[span].reduce(0) { $0 + $1.count }
                guard (13...19).contains(count),
                    ASCII.endsFree(text, end, glued: { ASCII.isAlphanumeric($0) }),
                    !(end + 1 < text.count && (text[end] == 0x2E || text[end] == 0x2C) && ASCII.isDigit(text[end + 1]))
                else { continue }
                let digits = run.digits(text, groups: span)
                if Self.hasIssuerPrefix(digits), Self.luhn(digits) { return span }
            }
            // Later groups cannot start a card inside a run of compact digits.
            if run.groups[first].count > 6 { break }
        }
        return nil
    }

    static func hasIssuerPrefix(_ digits: [UInt8]) -> Bool {
        guard digits.count >= 4 else { return false }
        let two = Int(digits[0]) * 10 + Int(digits[1])
        let four = two * 100 + Int(digits[2]) * 10 + Int(digits[3])
        switch digits[0] {
        case 4: return true  // Visa
        case 5: return (51...55).contains(two)  // Mastercard
        case 2: return (2221...2720).contains(four)  // Mastercard 2-series
        case 3: return two == 34 || two == 37 || two == 35 || two == 36 || two == 38 || (300...305).contains(four / 10)
        case 6: return four == 6011 || two == 65 || two == 62 || (644...649).contains(four / 10)
        default: return false
        }
    }

    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if offset % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }
}
