@testable import Gateway
import Foundation
import Tenancy

/// A generated, seeded corpus for the guardrails: per entity type, valid values in their
/// usual written forms and near misses (a wrong check digit, a missing part, a look-alike
/// such as a date or a version number), each set in a sentence of running text.
struct GuardrailCorpus {
    struct Sample {
        let entity: GuardrailEntity
        /// The value, when the sample plants a real one; nil for a near miss.
        let value: String?
        let text: String
    }

    private var random: SplitMix64

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    static let templates = [
        "Please contact me about {} before Friday.", "Here it is: {}", "{} is what the form said.",
        "I wrote down {}, can you check it?", "The record (ref {}) was updated yesterday.",
        "Als Referenz gilt {} laut Vertrag.", "See the attached note — {} — for details.", "{}",
    ]

    mutating func samples(perType count: Int) -> [Sample] {
        var samples: [Sample] = []
        for entity in GuardrailEntity.allCases {
            for _ in 0..<count {
                let valid = self.valid(entity)
                samples.append(Sample(entity: entity, value: valid, text: sentence(valid)))
                samples.append(Sample(entity: entity, value: nil, text: sentence(nearMiss(entity))))
            }
        }
        return samples
    }

    private mutating func sentence(_ value: String) -> String {
        let template = Self.templates[pick(Self.templates.count)]
        return template.replacingOccurrences(of: "{}", with: value)
    }

    // MARK: Valid values

    mutating func valid(_ entity: GuardrailEntity) -> String {
        switch entity {
        case .email:
            let local = word(3...10) + ["", ".", "_", "+"][pick(4)] + (pick(2) == 0 ? word(2...6) : digits(2))
            let domain = (pick(3) == 0 ? word(2...6) + "." : "") + word(3...10)
            return local + "@" + domain + "." + ["com", "de", "io", "co.uk", "org", "info"][pick(6)]
        case .phone:
            switch pick(5) {
            case 0: return "+49 \(digits(2)) \(digits(7))"
            case 1: return "+1-\(nonZero(3))-\(digits(3))-\(digits(4))"
            case 2: return "(\(nonZero(3))) \(digits(3))-\(digits(4))"
            case 3: return "\(nonZero(3)).\(digits(3)).\(digits(4))"
            default: return "+44 \(digits(4)) \(digits(6))"
            }
        case .iban:
            let (country, bban) = [
                ("DE", digits(18)), ("GB", letters(4) + digits(14)), ("FR", digits(23)), ("NL", letters(4) + digits(10)),
                ("AT", digits(16)), ("CH", digits(17)),
            ][pick(6)]
            let check = 98 - IBANDetector.mod97(ArraySlice(Array((country + "00" + bban).utf8)))
            let compact = country + (check < 10 ? "0" : "") + String(check) + bban
            return pick(2) == 0 ? compact : grouped(compact, by: 4, separator: " ")
        case .paymentCard:
            let prefixes = ["4", "51", "55", "2221", "34", "37", "6011", "65", "35"]
            let prefix = prefixes[pick(prefixes.count)]
            let length = prefix == "34" || prefix == "37" ? 15 : 16
            var number = prefix + digits(length - prefix.count - 1)
            number += String(luhnDigit(number))
            switch pick(3) {
            case 0: return number
            case 1: return grouped(number, by: 4, separator: " ")
            default: return grouped(number, by: 4, separator: "-")
            }
        case .ipAddress:
            if pick(2) == 0 { return (0..<4).map { _ in String(pick(256)) }.joined(separator: ".") }
            let groups = (0..<8).map { _ in String(pick(65536), radix: 16) }
            return pick(2) == 0 ? groups.joined(separator: ":") : groups[0] + ":" + groups[1] + "::" + groups[7]
        case .nationalID:
            switch pick(3) {
            case 0:
                let area = [123, 456, 512, 78, 234, 601][pick(6)]
                return String(format3(area)) + "-\(nonZero(2))-\(nonZero(4))"
            case 1:
                let first10 = nonZero(1) + digits(9)
                let id = first10 + String(NationalIDDetector.taxIDCheckDigit(ArraySlice(first10.utf8.map { $0 - 48 })))
                return pick(2) == 0 ? id : grouped(id, sizes: [2, 3, 3, 3])
            default:
                let number = ["AB", "CE", "JG", "PR", "WX"][pick(5)] + digits(6) + ["A", "B", "C", "D"][pick(4)]
                return pick(2) == 0 ? number : grouped(number, sizes: [2, 2, 2, 2, 1])
            }
        case .secret:
            switch pick(4) {
            case 0: return "AKIA" + String((0..<16).map { _ in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")[pick(32)] })
            case 1: return "eyJ" + base64(20) + ".eyJ" + base64(30) + "." + base64(43)
            case 2: return "atr_" + alphanumeric(32)
            default:
                return "-----BEGIN PRIVATE KEY-----\n" + base64(64) + "\n" + base64(40) + "\n-----END PRIVATE KEY-----"
            }
        }
    }

    // MARK: Near misses

    mutating func nearMiss(_ entity: GuardrailEntity) -> String {
        switch entity {
        case .email:
            return [word(4...8) + "@localhost", "@" + word(4...9), word(3...6) + " at " + word(3...6) + " dot com",
                    word(3...6) + "@" + word(3...6) + ".c"][pick(4)]
        case .phone:
            return ["2024-0\(pick(9) + 1)-1\(pick(9))", "1.\(pick(9)).\(pick(9))", digits(8), "1,\(digits(3)),\(digits(3))",
                    "1\(pick(2)):\(pick(5))\(pick(9))"][pick(5)]
        case .iban:
            var value = valid(.iban)
            let checkIndex = value.index(value.startIndex, offsetBy: 3)
            let digit = value[checkIndex].wholeNumberValue!
            value.replaceSubrange(checkIndex...checkIndex, with: String((digit + 1 + pick(8)) % 10))
            return value
        case .paymentCard:
            switch pick(3) {
            case 0:
                let value = valid(.paymentCard)
                let last = value.last!.wholeNumberValue!
                return String(value.dropLast()) + String((last + 1 + pick(8)) % 10)
            case 1:
                let number = ["1", "7", "8", "9"][pick(4)] + digits(14)
                return number + String(luhnDigit(number))
            default:
                return grouped("4" + digits(9), by: 4, separator: " ")
            }
        case .ipAddress:
            return ["\(256 + pick(700)).1.2.3", "\(pick(256)).\(pick(256)).\(pick(256))", "1\(pick(9)):\(pick(5))\(pick(9)):0\(pick(9))",
                    "0\(pick(9) + 1).2.3.4"][pick(4)]
        case .nationalID:
            switch pick(3) {
            case 0: return ["000", "666", "9\(digits(2))"][pick(3)] + "-\(nonZero(2))-\(nonZero(4))"
            case 1:
                let first10 = nonZero(1) + digits(9)
                let check = NationalIDDetector.taxIDCheckDigit(ArraySlice(first10.utf8.map { $0 - 48 }))
                return first10 + String((Int(check) + 1 + pick(8)) % 10)
            default:
                return ["QQ", "DA", "GB", "ZZ"][pick(4)] + digits(6) + "A"
            }
        case .secret:
            return ["AKIA" + String(alphanumeric(10).uppercased()), "eyJ" + base64(12), "atr_" + alphanumeric(8),
                    "-----BEGIN PUBLIC KEY-----"][pick(4)]
        }
    }

    // MARK: Pieces

    private mutating func pick(_ count: Int) -> Int { Int(random.next() % UInt64(count)) }

    private mutating func word(_ length: ClosedRange<Int>) -> String {
        String((0..<(length.lowerBound + pick(length.count))).map { _ in Array("abcdefghijklmnopqrstuvwxyz")[pick(26)] })
    }

    private mutating func letters(_ count: Int) -> String {
        String((0..<count).map { _ in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")[pick(26)] })
    }

    private mutating func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(pick(10))) }) }

    private mutating func nonZero(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(pick(9) + 1)) })
    }

    private mutating func alphanumeric(_ count: Int) -> String {
        String((0..<count).map { _ in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")[pick(62)] })
    }

    private mutating func base64(_ count: Int) -> String {
        String((0..<count).map { _ in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")[pick(64)] })
    }

    private func format3(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: 3 - text.count) + text
    }

    private func grouped(_ text: String, by size: Int, separator: String) -> String {
        let characters = Array(text)
        return stride(from: 0, to: characters.count, by: size).map {
            String(characters[$0..<min($0 + size, characters.count)])
        }.joined(separator: separator)
    }

    private func grouped(_ text: String, sizes: [Int]) -> String {
        var rest = Substring(text)
        var groups: [String] = []
        for size in sizes {
            groups.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return groups.joined(separator: " ")
    }

    private func luhnDigit(_ partial: String) -> Int {
        for digit in 0...9 where PaymentCardDetector.luhn((partial + String(digit)).utf8.map { $0 - 48 }) { return digit }
        return 0
    }
}

/// A small seeded generator (SplitMix64), so the corpus is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
