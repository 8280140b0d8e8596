/// What storing a document did.
public enum DocumentWrite: Sendable {
    /// A new name in the collection.
    case added(KnowledgeDocument)
    /// The same content was already stored under this name: nothing changed.
    case unchanged(KnowledgeDocument)
    /// The name held other content (or vectors of another model), now replaced.
    case replaced(KnowledgeDocument, previous: DocumentID)

    public var document: KnowledgeDocument {
        switch self {
        case let .added(document), let .unchanged(document), let .replaced(document, _): document
        }
    }

    /// `added`, `unchanged` or `replaced`.
    public var status: String {
        switch self {
        case .added: "added"
        case .unchanged: "unchanged"
        case .replaced: "replaced"
        }
    }
}
