import Tenancy

/// Secrets: AWS access key ids (`AKIA…`, 20 characters), AWS secret keys written after their
/// name in any of the ways AWS's tools write it (`aws_secret_access_key = …`,
/// `"SecretAccessKey": "…"` from the CLI's JSON, `aws-secret-access-key: …`), PEM and PGP
/// private-key blocks (`-----BEGIN … PRIVATE KEY[ BLOCK]-----` to its `-----END … -----`, or to
/// the end of the text when the block is cut off), JWTs (`eyJ….eyJ….…`) and Atrium keys (`atr_`
/// and at least 20 base62 characters).
struct SecretDetector: EntityDetector {
    let entity = GuardrailEntity.secret

    static let awsPrefixes: [[UInt8]] = ["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA"]
        .map { Array($0.utf8) }
    static let begin = Array("-----BEGIN ".utf8)
    static let privateKey = Array("PRIVATE KEY-----".utf8)
    static let pgpPrivateKey = Array("PRIVATE KEY BLOCK-----".utf8)
    static let end = Array("-----END ".utf8)
    static let dashes = Array("-----".utf8)
    /// The name's letters: `_` or `-` may stand between its words, in any case.
    static let secretKeyName = Array("secretaccesskey".utf8)

    func ranges(in text: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < text.count {
            if let end = match(text, at: index) {
                found.append(index..<end)
                index = end
            } else if let value = Self.awsSecret(text, nameAt: index) {
                found.append(value)
                index = value.upperBound
            } else {
                index += 1
            }
        }
        return found
    }

    /// The end of a secret starting at `index`, if one does.
    private func match(_ text: [UInt8], at index: Int) -> Int? {
        let byte = text[index]
        if byte == 0x2D { return Self.privateKeyBlock(text, at: index) }
        guard ASCII.startsFree(text, index, glued: Self.isBase64URL) else { return nil }
        switch byte {
        case 0x41: return Self.awsKeyID(text, at: index)
        case 0x65: return Self.jwt(text, at: index)
        case 0x61: return Self.atriumKey(text, at: index)
        default: return nil
        }
    }

    static func isBase64URL(_ byte: UInt8) -> Bool { ASCII.isAlphanumeric(byte) || byte == 0x2D || byte == 0x5F }

    static func has(_ prefix: [UInt8], in text: [UInt8], at index: Int) -> Bool {
        index + prefix.count <= text.count && text[index..<index + prefix.count].elementsEqual(prefix)
    }

    static func awsKeyID(_ text: [UInt8], at index: Int) -> Int? {
        guard awsPrefixes.contains(where: { has($0, in: text, at: index) }), index + 20 <= text.count else { return nil }
        let body = text[(index + 4)..<(index + 20)]
        guard body.allSatisfy({ ASCII.isUpper($0) || (0x32...0x37).contains($0) }),
            ASCII.endsFree(text, index + 20, glued: ASCII.isAlphanumeric)
        else { return nil }
        return index + 20
    }

    /// The 40-character value after `…secret_access_key` (or `SecretAccessKey`,
    /// `secret-access-key`) and `=` or `:` (quotes and spaces allowed).
    static func awsSecret(_ text: [UInt8], nameAt index: Int) -> Range<Int>? {
        guard text[index] | 0x20 == 0x73 else { return nil }
        var at = index
        for (position, letter) in secretKeyName.enumerated() {
            // A word boundary of the name (after `secret`, `access`) may hold one `_` or `-`.
            if position == 6 || position == 12, at < text.count, text[at] == 0x5F || text[at] == 0x2D { at += 1 }
            guard at < text.count, text[at] | 0x20 == letter else { return nil }
            at += 1
        }
        let nameEnd = at
        var sawAssignment = false
        while at < text.count, at - nameEnd < 8,
            [0x20, 0x22, 0x27, 0x3D, 0x3A].contains(text[at])
        {
            if text[at] == 0x3D || text[at] == 0x3A { sawAssignment = true }
            at += 1
        }
        guard sawAssignment, at + 40 <= text.count else { return nil }
        let value = text[at..<(at + 40)]
        let isKeyByte: (UInt8) -> Bool = { ASCII.isAlphanumeric($0) || $0 == 0x2F || $0 == 0x2B || $0 == 0x3D }
        guard value.allSatisfy(isKeyByte), ASCII.endsFree(text, at + 40, glued: isKeyByte) else { return nil }
        return at..<(at + 40)
    }

    /// `-----BEGIN [TYPE ]PRIVATE KEY-----` … the matching end line, or the end of the text.
    static func privateKeyBlock(_ text: [UInt8], at index: Int) -> Int? {
        guard has(begin, in: text, at: index) else { return nil }
        var at = index + begin.count
        while at < text.count, at - index < 64, text[at] != 0x0A {
            let header = has(privateKey, in: text, at: at) ? privateKey : has(pgpPrivateKey, in: text, at: at) ? pgpPrivateKey : nil
            if let header {
                var close = at + header.count
                while close < text.count {
                    if has(end, in: text, at: close) {
                        var lineEnd = close + end.count
                        while lineEnd < text.count, text[lineEnd] != 0x0A, !has(dashes, in: text, at: lineEnd) { lineEnd += 1 }
                        return has(dashes, in: text, at: lineEnd) ? lineEnd + dashes.count : lineEnd
                    }
                    close += 1
                }
                return text.count
            }
            at += 1
        }
        return nil
    }

    /// Header and payload both base64url JSON objects (`eyJ`), then a signature.
    static func jwt(_ text: [UInt8], at index: Int) -> Int? {
        let eyJ = Array("eyJ".utf8)
        guard has(eyJ, in: text, at: index) else { return nil }
        var at = index
        var parts = 0
        while parts < 3 {
            let start = at
            while at < text.count, isBase64URL(text[at]) { at += 1 }
            guard at - start >= (parts == 2 ? 8 : 10) else { return nil }
            if parts == 1 && !has(eyJ, in: text, at: start) { return nil }
            parts += 1
            if parts < 3 {
                guard at < text.count, text[at] == 0x2E else { return nil }
                at += 1
            }
        }
        return ASCII.endsFree(text, at, glued: isBase64URL) ? at : nil
    }

    static func atriumKey(_ text: [UInt8], at index: Int) -> Int? {
        guard has(Array("atr_".utf8), in: text, at: index) else { return nil }
        var at = index + 4
        while at < text.count, ASCII.isAlphanumeric(text[at]) { at += 1 }
        guard at - index - 4 >= 20, ASCII.endsFree(text, at, glued: isBase64URL) else { return nil }
        return at
    }
}
