/// llama.cpp's `clean_spaces` pass of detokenization (Hugging Face's `clean_up_tokenization_spaces`):
/// removes the space before `?!.,`, around a lone `'`, and before `'s`, `'m`, `'re`, `'ve`.
enum SpaceCleanup {
    static func apply(_ text: [UInt8]) -> [UInt8] {
        contractions(loneApostrophes(punctuation(text)))
    }

    private static let space = UInt8(ascii: " ")
    private static let apostrophe = UInt8(ascii: "'")

    private static func punctuation(_ text: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        for (index, byte) in text.enumerated() {
            if index > 0, text[index - 1] == space, "?!.,".utf8.contains(byte), result.last == space {
                result.removeLast()
            }
            result.append(byte)
        }
        return result
    }

    private static func loneApostrophes(_ original: [UInt8]) -> [UInt8] {
        var text = original
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            let byte = text[index]
            if index > 0, byte == apostrophe, index + 1 < text.count, text[index - 1] == space, text[index + 1] == space {
                result.removeLast()
                result.append(byte)
                text[index + 1] = 0  // llama.cpp blanks the skipped space, so it no longer counts as one
                index += 2
                continue
            }
            result.append(byte)
            index += 1
        }
        return result
    }

    private static func contractions(_ text: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        for (index, byte) in text.enumerated() {
            if index > 0, text[index - 1] == space, byte == apostrophe, index + 1 < text.count {
                let next = text[index + 1]
                let afterNext = index + 2 < text.count ? text[index + 2] : 0
                let removesSpace = next == UInt8(ascii: "s") || next == UInt8(ascii: "m")
                    || (index + 2 < text.count && afterNext == UInt8(ascii: "e")
                        && (next == UInt8(ascii: "r") || next == UInt8(ascii: "v")))
                if removesSpace { result.removeLast() }
            }
            result.append(byte)
        }
        return result
    }
}
