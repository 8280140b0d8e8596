/// Decodes HTML character references: numeric (`&#233;`, `&#xE9;`) and the named ones that
/// occur in practice (Latin-1, typography, Greek, arrows and mathematical symbols). An unknown
/// name stays as written, as browsers leave it.
enum HTMLEntities {
    /// The bytes as text with every character reference it knows replaced.
    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(ASCII.ampersand) else { return String(decoding: bytes, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == ASCII.ampersand, let (scalars, next) = reference(in: bytes, at: index) {
                for scalar in scalars.unicodeScalars { output.append(contentsOf: UTF8.encode(scalar)!) }
                index = next
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The reference starting with the `&` at `start`: its replacement and the index after it.
    private static func reference(in bytes: ArraySlice<UInt8>, at start: Int) -> (String, Int)? {
        var index = start + 1
        guard index < bytes.endIndex else { return nil }
        if bytes[index] == ASCII.hash { return numericReference(in: bytes, at: index + 1) }
        while index < bytes.endIndex, bytes[index].isASCIILetter || bytes[index].isASCIIDigit, index - start <= 32 {
            index += 1
        }
        let name = String(decoding: bytes[(start + 1)..<index], as: UTF8.self)
        let terminated = index < bytes.endIndex && bytes[index] == ASCII.semicolon
        if terminated, let replacement = named[name] { return (replacement, index + 1) }
        // A few old names are recognised without their semicolon, as browsers do.
        if !terminated, legacyWithoutSemicolon.contains(name), let replacement = named[name] {
            return (replacement, index)
        }
        return nil
    }

    /// `&#233;` or `&#xE9;` from after the `#`; invalid code points become U+FFFD and the
    /// C1 range means the Windows-1252 characters, as the HTML standard says.
    private static func numericReference(in bytes: ArraySlice<UInt8>, at start: Int) -> (String, Int)? {
        var index = start
        let hexadecimal = index < bytes.endIndex && (bytes[index] == UInt8(ascii: "x") || bytes[index] == UInt8(ascii: "X"))
        if hexadecimal { index += 1 }
        let digitsStart = index
        var value: UInt32 = 0
        while index < bytes.endIndex, hexadecimal ? bytes[index].isASCIIHexDigit : bytes[index].isASCIIDigit {
            let digit = UInt32(hexValue(bytes[index]))
            value = min(value &* (hexadecimal ? 16 : 10) &+ digit, 0x110000)
            index += 1
        }
        guard index > digitsStart else { return nil }
        if index < bytes.endIndex, bytes[index] == ASCII.semicolon { index += 1 }
        if let windows1252 = windows1252[value] { return (String(windows1252), index) }
        guard value != 0, let scalar = Unicode.Scalar(value) else { return ("\u{FFFD}", index) }
        return (String(Character(scalar)), index)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: byte - UInt8(ascii: "A") + 10
        }
    }

    private static let legacyWithoutSemicolon: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"]

    /// `&#128;`…`&#159;` as the Windows-1252 characters pages meant by them.
    private static let windows1252: [UInt32: Character] = [
        0x80: "\u{20AC}", 0x82: "\u{201A}", 0x83: "\u{0192}", 0x84: "\u{201E}", 0x85: "\u{2026}", 0x86: "\u{2020}",
        0x87: "\u{2021}", 0x88: "\u{02C6}", 0x89: "\u{2030}", 0x8A: "\u{0160}", 0x8B: "\u{2039}", 0x8C: "\u{0152}",
        0x8E: "\u{017D}", 0x91: "\u{2018}", 0x92: "\u{2019}", 0x93: "\u{201C}", 0x94: "\u{201D}", 0x95: "\u{2022}",
        0x96: "\u{2013}", 0x97: "\u{2014}", 0x98: "\u{02DC}", 0x99: "\u{2122}", 0x9A: "\u{0161}", 0x9B: "\u{203A}",
        0x9C: "\u{0153}", 0x9E: "\u{017E}", 0x9F: "\u{0178}",
    ]

    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\u{22}", "apos": "'",
        "nbsp": "\u{A0}", "copy": "©", "reg": "®", "trade": "™", "hellip": "…",
        "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’",
        "sbquo": "‚", "ldquo": "“", "rdquo": "”", "bdquo": "„",
        "laquo": "«", "raquo": "»", "lsaquo": "‹", "rsaquo": "›", "bull": "•",
        "middot": "·", "deg": "°", "plusmn": "±", "times": "×", "divide": "÷",
        "para": "¶", "sect": "§", "euro": "€", "pound": "£", "yen": "¥",
        "cent": "¢", "curren": "¤", "shy": "\u{AD}", "iexcl": "¡", "iquest": "¿",
        "ordf": "ª", "ordm": "º", "not": "¬", "macr": "¯", "acute": "´",
        "cedil": "¸", "uml": "¨", "sup1": "¹", "sup2": "²", "sup3": "³",
        "frac14": "¼", "frac12": "½", "frac34": "¾", "micro": "µ", "dagger": "†",
        "Dagger": "‡", "permil": "‰", "prime": "′", "Prime": "″",
        "oline": "‾", "frasl": "⁄", "ensp": "\u{2002}", "emsp": "\u{2003}",
        "thinsp": "\u{2009}", "zwnj": "\u{200C}", "zwj": "\u{200D}", "lrm": "\u{200E}", "rlm": "\u{200F}",
        "Agrave": "À", "Aacute": "Á", "Acirc": "Â", "Atilde": "Ã", "Auml": "Ä",
        "Aring": "Å", "AElig": "Æ", "Ccedil": "Ç", "Egrave": "È", "Eacute": "É",
        "Ecirc": "Ê", "Euml": "Ë", "Igrave": "Ì", "Iacute": "Í", "Icirc": "Î",
        "Iuml": "Ï", "ETH": "Ð", "Ntilde": "Ñ", "Ograve": "Ò", "Oacute": "Ó",
        "Ocirc": "Ô", "Otilde": "Õ", "Ouml": "Ö", "Oslash": "Ø", "Ugrave": "Ù",
        "Uacute": "Ú", "Ucirc": "Û", "Uuml": "Ü", "Yacute": "Ý", "THORN": "Þ",
        "szlig": "ß", "agrave": "à", "aacute": "á", "acirc": "â", "atilde": "ã",
        "auml": "ä", "aring": "å", "aelig": "æ", "ccedil": "ç", "egrave": "è",
        "eacute": "é", "ecirc": "ê", "euml": "ë", "igrave": "ì", "iacute": "í",
        "icirc": "î", "iuml": "ï", "eth": "ð", "ntilde": "ñ", "ograve": "ò",
        "oacute": "ó", "ocirc": "ô", "otilde": "õ", "ouml": "ö", "oslash": "ø",
        "ugrave": "ù", "uacute": "ú", "ucirc": "û", "uuml": "ü", "yacute": "ý",
        "thorn": "þ", "yuml": "ÿ", "OElig": "Œ", "oelig": "œ", "Scaron": "Š",
        "scaron": "š", "Yuml": "Ÿ", "fnof": "ƒ", "circ": "ˆ", "tilde": "˜",
        "Alpha": "Α", "Beta": "Β", "Gamma": "Γ", "Delta": "Δ", "Epsilon": "Ε",
        "Zeta": "Ζ", "Eta": "Η", "Theta": "Θ", "Iota": "Ι", "Kappa": "Κ",
        "Lambda": "Λ", "Mu": "Μ", "Nu": "Ν", "Xi": "Ξ", "Omicron": "Ο",
        "Pi": "Π", "Rho": "Ρ", "Sigma": "Σ", "Tau": "Τ", "Upsilon": "Υ",
        "Phi": "Φ", "Chi": "Χ", "Psi": "Ψ", "Omega": "Ω", "alpha": "α",
        "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ",
        "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ",
        "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π",
        "rho": "ρ", "sigmaf": "ς", "sigma": "σ", "tau": "τ", "upsilon": "υ",
        "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "larr": "←",
        "uarr": "↑", "rarr": "→", "darr": "↓", "harr": "↔", "lArr": "⇐",
        "uArr": "⇑", "rArr": "⇒", "dArr": "⇓", "hArr": "⇔", "crarr": "↵",
        "forall": "∀", "part": "∂", "exist": "∃", "empty": "∅",
        "nabla": "∇", "isin": "∈", "notin": "∉", "ni": "∋", "prod": "∏",
        "sum": "∑", "minus": "−", "lowast": "∗", "radic": "√",
        "prop": "∝", "infin": "∞", "ang": "∠", "and": "∧", "or": "∨",
        "cap": "∩", "cup": "∪", "int": "∫", "there4": "∴", "sim": "∼",
        "cong": "≅", "asymp": "≈", "ne": "≠", "equiv": "≡", "le": "≤",
        "ge": "≥", "sub": "⊂", "sup": "⊃", "nsub": "⊄", "sube": "⊆",
        "supe": "⊇", "oplus": "⊕", "otimes": "⊗", "perp": "⊥",
        "sdot": "⋅", "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊",
        "rfloor": "⌋", "lang": "⟨", "rang": "⟩", "loz": "◊",
        "spades": "♠", "clubs": "♣", "hearts": "♥", "diams": "♦",
    ]
}
