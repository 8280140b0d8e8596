/// The merge table of a byte-level BPE vocabulary, keyed by the pair of symbol ids, and the merge loop
/// of llama.cpp's `llm_tokenizer_bpe_session`: the lowest-ranked adjacent pair merges first, ties going
/// to the leftmost.
///
/// Symbols are vocabulary ids; a merge part or result missing from the vocabulary gets an id past the
/// vocabulary, so words merge exactly as llama.cpp's string-keyed table would.
struct BytePairMerges: Sendable {
    private struct Merge: Sendable {
        let rank: Int32
        let merged: Int32
    }

    private let table: [UInt64: Merge]
    /// The symbol of each byte's byte-level character, or -1 when no token or merge spells it.
    private let byteSymbols: [Int32]
    /// Texts of symbols that merges produce but the vocabulary lacks (ids from `vocabularyCount`).
    private let extraSymbols: [String]
    private let vocabularyCount: Int32
    /// The token spelled by each single ASCII character, or -1.
    private let asciiTokens: [Int32]

    init(vocabulary: Vocabulary) {
        vocabularyCount = Int32(vocabulary.count)
        var extraIDs: [TokenText: Int32] = [:]
        var extraSymbols: [String] = []
        func symbol(_ text: String) -> Int32 {
            if let id = vocabulary.id(of: text) { return id }
            if let id = extraIDs[TokenText(text)] { return id }
            let id = Int32(vocabulary.count + extraSymbols.count)
            extraIDs[TokenText(text)] = id
            extraSymbols.append(text)
            return id
        }
        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(vocabulary.merges.count)
        for (rank, merge) in vocabulary.merges.enumerated() {
            // llama.cpp splits at the first space after the first byte.
            let utf8 = merge.utf8
            guard let space = utf8.dropFirst().firstIndex(of: UInt8(ascii: " ")) else { continue }
            let first = String(merge[..<space])
            let second = String(merge[utf8.index(after: space)...])
            guard !second.isEmpty else { continue }
            let key = Self.key(symbol(first), symbol(second))
            if table[key] == nil { table[key] = Merge(rank: Int32(rank), merged: symbol(first + second)) }
        }
        self.table = table
        byteSymbols = ByteLevelAlphabet.scalarForByte.map { scalar in
            let text = String(Character(scalar))
            return vocabulary.id(of: text) ?? extraIDs[TokenText(text)] ?? -1
        }
        self.extraSymbols = extraSymbols
        asciiTokens = (0..<128).map { vocabulary.id(of: String(UnicodeScalar(UInt8($0)))) ?? -1 }
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Appends the tokens of one pre-tokenized word (its UTF-8 bytes).
    func encodeWord(_ bytes: ArraySlice<UInt8>, into output: inout [TokenID], scratch: inout Scratch) {
        scratch.reset()
        for byte in bytes { scratch.symbols.append(byteSymbols[Int(byte)]) }
        let count = scratch.symbols.count
        for index in 0..<count {
            scratch.previous.append(Int32(index - 1))
            scratch.next.append(index + 1 < count ? Int32(index + 1) : -1)
        }
        for index in 0..<max(count - 1, 0) { queuePair(Int32(index), Int32(index + 1), &scratch) }
        while let bigram = scratch.queue.pop() {
            let left = Int(bigram.left)
            let right = Int(bigram.right)
            // Skip pairs whose symbols have merged since they were queued.
            guard scratch.next[left] == bigram.right, scratch.symbols[left] == bigram.leftSymbol,
                scratch.symbols[right] == bigram.rightSymbol
            else { continue }
            scratch.symbols[left] = bigram.merged
            scratch.symbols[right] = -2
            let following = scratch.next[right]
            scratch.next[left] = following
            if following >= 0 { scratch.previous[Int(following)] = bigram.left }
            if scratch.previous[left] >= 0 { queuePair(scratch.previous[left], bigram.left, &scratch) }
            if following >= 0 { queuePair(bigram.left, following, &scratch) }
        }
        var index: Int32 = count > 0 ? 0 : -1
        while index >= 0 {
            emit(scratch.symbols[Int(index)], into: &output)
            index = scratch.next[Int(index)]
        }
    }

    private func queuePair(_ left: Int32, _ right: Int32, _ scratch: inout Scratch) {
        let leftSymbol = scratch.symbols[Int(left)]
        let rightSymbol = scratch.symbols[Int(right)]
        guard leftSymbol >= 0, rightSymbol >= 0, let merge = table[Self.key(leftSymbol, rightSymbol)] else { return }
        scratch.queue.push(
            Bigram(rank: merge.rank, left: left, right: right, leftSymbol: leftSymbol, rightSymbol: rightSymbol,
                   merged: merge.merged))
    }

    /// A symbol the vocabulary lacks falls back to single-byte tokens, as llama.cpp does (which finds
    /// only the ASCII ones).
    private func emit(_ symbol: Int32, into output: inout [TokenID]) {
        if symbol >= 0, symbol < vocabularyCount {
            output.append(symbol)
            return
        }
        guard symbol >= vocabularyCount else { return }
        for byte in extraSymbols[Int(symbol - vocabularyCount)].utf8 where byte < 0x80 {
            let id = asciiTokens[Int(byte)]
            if id >= 0 { output.append(id) }
        }
    }

    struct Bigram: Comparable {
        let rank: Int32
        let left: Int32
        let right: Int32
        let leftSymbol: Int32
        let rightSymbol: Int32
        let merged: Int32

        static func < (a: Bigram, b: Bigram) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.left < b.left
        }
    }

    /// Buffers reused across the words of one encode call.
    struct Scratch {
        var symbols: [Int32] = []
        var previous: [Int32] = []
        var next: [Int32] = []
        var queue = BinaryHeap<Bigram>()

        mutating func reset() {
            symbols.removeAll(keepingCapacity: true)
            previous.removeAll(keepingCapacity: true)
            next.removeAll(keepingCapacity: true)
            queue.removeAll()
        }
    }
}
