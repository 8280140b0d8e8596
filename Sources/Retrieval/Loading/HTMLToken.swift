/// One piece of an HTML document as `HTMLTokenizer` reads it.
enum HTMLToken: Equatable {
    /// Character data as UTF-8 bytes, entities not yet decoded.
    case text(ArraySlice<UInt8>)
    /// `<name attribute=value …>`; names lower-cased, attribute values as written.
    case startTag(name: String, attributes: [String: String], selfClosing: Bool)
    /// `</name>`; name lower-cased.
    case endTag(name: String)
}
