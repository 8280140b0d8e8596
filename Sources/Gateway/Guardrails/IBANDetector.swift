import Tenancy

/// IBANs, compact or in groups of four (`DE89 3704 0044 0532 0130 00`): a country code, two
/// check digits and the account part, accepted only when the ISO 13616 mod-97 check holds
/// and, for the countries listed, the length is the country's. Letters in either case: an IBAN
/// typed in lowercase (`de89 3704 …`) is the same account, and banks accept it.
struct IBANDetector: EntityDetector {
    let entity = GuardrailEntity.iban

    /// Lengths by country (the common ones; others take 15…34).
    static let lengths: [String: Int] = [
        "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
        "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
        "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25,
        "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    ]

    func ranges(in text: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index + 15 <= text.count {
            guard ASCII.isLetter(text[index]), ASCII.isLetter(text[index + 1]), ASCII.isDigit(text[index + 2]),
                ASCII.isDigit(text[index + 3]), ASCII.startsFree(text, index, glued: ASCII.isAlphanumeric)
            else {
                index += 1
                continue
            }
            if let end = match(text, from: index) {
                found.append(index..<end)
                index = end
            } else {
                index += 1
            }
        }
        return found
    }

    /// The longest valid IBAN from `start`: characters with single spaces only after each
    /// group of four, shortened group by group until one passes.
    private func match(_ text: [UInt8], from start: Int) -> Int? {
        var characters: [UInt8] = []
        var ends: [Int] = []  // text end after each character
        var index = start
        while index < text.count, characters.count < 34 {
            let byte = text[index]
            if ASCII.isLetter(byte) || ASCII.isDigit(byte) {
                characters.append(ASCII.isLower(byte) ? byte - 0x20 : byte)
                index += 1
                ends.append(index)
            } else if byte == 0x20, characters.count % 4 == 0, index + 1 < text.count,
                ASCII.isAlphanumeric(text[index + 1])
            {
                index += 1
            } else {
                break
            }
        }
        let country = String(decoding: characters.prefix(2), as: UTF8.self)
        var count = characters.count
        while count >= 15 {
            let end = ends[count - 1]
            if ASCII.endsFree(text, end, glued: ASCII.isAlphanumeric),
                Self.lengths[country].map({ $0 == count }) ?? true, Self.mod97(characters[0..<count]) == 1
            {
                return end
            }
            count -= 1
        }
        return nil
    }

    /// The IBAN's remainder modulo 97 with its first four characters moved to the end and
    /// letters (uppercase here) read as 10…35.
    static func mod97(_ characters: ArraySlice<UInt8>) -> Int {
        var remainder = 0
        let rotated = characters.dropFirst(4) + characters.prefix(4)
        for byte in rotated {
            if ASCII.isDigit(byte) {
                remainder = (remainder * 10 + Int(byte - 0x30)) % 97
            } else {
                remainder = (remainder * 100 + Int(byte - 0x41 + 10)) % 97
            }
        }
        return remainder
    }
}
