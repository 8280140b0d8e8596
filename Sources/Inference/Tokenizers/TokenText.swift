/// A token's text compared byte for byte, as llama.cpp compares vocabulary entries.
///
/// Swift strings compare by canonical equivalence, so a composed and a decomposed spelling
/// (Gemma's vocabulary has both, e.g. "\u{09BE}য়" at ids 3082 and 4388) would be one key.
struct TokenText: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ text: String) { bytes = Array(text.utf8) }
    init(bytes: some Collection<UInt8>) { self.bytes = Array(bytes) }
}
