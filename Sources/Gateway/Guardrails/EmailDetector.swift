import Tenancy

/// `local@domain.tld`: a local part of `A-Z a-z 0-9 . _ % + -`, a domain of at least two
/// dot-separated labels (letters, digits, inner hyphens) ending in a top-level domain of two
/// or more letters.
struct EmailDetector: EntityDetector {
    let entity = GuardrailEntity.email

    private static func isLocal(_ byte: UInt8) -> Bool {
        ASCII.isAlphanumeric(byte) || byte == 0x2E || byte == 0x5F || byte == 0x25 || byte == 0x2B || byte == 0x2D
    }

    private static func isDomain(_ byte: UInt8) -> Bool {
        ASCII.isAlphanumeric(byte) || byte == 0x2E || byte == 0x2D
    }

    func ranges(in text: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var searchFrom = 0
        var at = 0
        while at < text.count {
            defer { at += 1 }
            guard text[at] == 0x40, at >= searchFrom else { continue }
            var start = at
            while start > searchFrom, Self.isLocal(text[start - 1]), at - start < 64 { start -= 1 }
            while start < at, text[start] == 0x2E { start += 1 }
            guard start < at, text[at - 1] != 0x2E else { continue }
            var end = at + 1
            while end < text.count, Self.isDomain(text[end]) { end += 1 }
            while end > at + 1, text[end - 1] == 0x2E || text[end - 1] == 0x2D { end -= 1 }
            guard Self.validDomain(text[(at + 1)..<end]) else { continue }
            found.append(start..<end)
            searchFrom = end
            at = end - 1
        }
        return found
    }

    private static func validDomain(_ domain: ArraySlice<UInt8>) -> Bool {
        let labels = domain.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard labels.count >= 2, let top = labels.last, top.count >= 2, top.allSatisfy(ASCII.isLetter) else { return false }
        return labels.allSatisfy { !$0.isEmpty && $0.first != 0x2D && $0.last != 0x2D && $0.count <= 63 }
    }
}
