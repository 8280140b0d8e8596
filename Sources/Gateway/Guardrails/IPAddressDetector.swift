import Tenancy

/// IPv4 (`192.168.0.1`: four numbers 0…255 without leading zeros) and IPv6 (`2001:db8::1`,
/// eight groups of hex or fewer with one `::`, optionally ending in an IPv4 address).
struct IPAddressDetector: EntityDetector {
    let entity = GuardrailEntity.ipAddress

    func ranges(in text: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < text.count {
            let byte = text[index]
            guard ASCII.isHex(byte) || byte == 0x3A,
                ASCII.startsFree(text, index, glued: { ASCII.isAlphanumeric($0) || $0 == 0x3A || $0 == 0x2E })
            else {
                index += 1
                continue
            }
            var end = index
            while end < text.count, ASCII.isHex(text[end]) || text[end] == 0x3A || text[end] == 0x2E { end += 1 }
            while end > index, text[end - 1] == 0x2E || (text[end - 1] == 0x3A && !(end - index >= 2 && text[end - 2] == 0x3A)) {
                end -= 1
            }
            let candidate = text[index..<end]
            if ASCII.endsFree(text, end, glued: ASCII.isAlphanumeric),
                Self.isIPv4(candidate) || Self.isIPv6(candidate)
            {
                found.append(index..<end)
            }
            index = max(end, index + 1)
        }
        return found
    }

    static func isIPv4(_ text: ArraySlice<UInt8>) -> Bool {
        let parts = text.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy(ASCII.isDigit), part.count == 1 || part.first != 0x30
            else { return false }
            return part.reduce(0) { $0 * 10 + Int($1 - 0x30) } <= 255
        }
    }

    static func isIPv6(_ text: ArraySlice<UInt8>) -> Bool {
        guard text.contains(0x3A), text.count >= 3 else { return false }
        var body = text
        var groupsAvailable = 8
        if let lastColon = text.lastIndex(of: 0x3A), text[(lastColon + 1)...].contains(0x2E) {
            guard isIPv4(text[(lastColon + 1)...]) else { return false }
            body = text[..<(lastColon + 1)]
            if body.count >= 2, body.suffix(2).elementsEqual([0x3A, 0x3A]) {
                // "::ffff:1.2.3.4" keeps its "::"
            } else {
                body = body.dropLast()
            }
            groupsAvailable = 6
        }
        guard !body.contains(0x2E) else { return false }
        let halves = split(body, on: [0x3A, 0x3A])
        guard halves.count <= 2 else { return false }
        var groups = 0
        for half in halves where !half.isEmpty {
            let parts = half.split(separator: 0x3A, omittingEmptySubsequences: false)
            guard parts.allSatisfy({ (1...4).contains($0.count) && $0.allSatisfy(ASCII.isHex) }) else { return false }
            groups += parts.count
        }
        if halves.count == 2 {
            // A "::" must stand for something, and text like "a::b" needs a digit to be an address.
            return groups < groupsAvailable && groups >= 1 && text.contains(where: ASCII.isDigit)
        }
        return groups == groupsAvailable
    }

    private static func split(_ text: ArraySlice<UInt8>, on separator: [UInt8]) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var start = text.startIndex
        var index = text.startIndex
        while index + 1 < text.endIndex {
            if text[index] == separator[0], text[index + 1] == separator[1] {
                parts.append(text[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        parts.append(text[start..<text.endIndex])
        return parts
    }
}
