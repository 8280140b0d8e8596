import Crypto
import Tenancy

/// The id of a document: `doc_` and 32 hex digits of a SHA-256 over the team, the collection's
/// name, the document's name and the hash of its content.
///
/// Same content under the same name in the same collection → same id, so ingesting twice is
/// recognizably a no-op; a changed document under the same name gets a new id. The team is
/// part of the hash, so two teams never share an id even for identical files.
public struct DocumentID: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The id a document with this content and name has in the team's collection.
    public static func derive(team: TeamID, collectionName: String, documentName: String, contentHash: String) -> DocumentID {
        let material = ["atrium-document-v1", team.rawValue, collectionName.lowercased(), documentName, contentHash]
            .joined(separator: "\u{0}")
        let digest = SHA256.hash(data: Array(material.utf8))
        return DocumentID(rawValue: "doc_" + digest.prefix(16).map(Self.hex).joined())
    }

    /// Whether `text` has the shape of a document id (a route parameter is checked before use).
    public static func isWellFormed(_ text: String) -> Bool {
        text.hasPrefix("doc_") && text.count == 36 && text.dropFirst(4).allSatisfy(\.isHexDigit)
    }

    public var description: String { rawValue }

    private static func hex(_ byte: UInt8) -> String {
        byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
    }
}
