import Gateway

/// `GET /v1/models`: `{"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}`.
struct ModelList: Encodable {
    struct Entry: Encodable {
        let id: String
        let object = "model"
        let created: Int
        let ownedBy: String

        enum CodingKeys: String, CodingKey {
            case id, object, created
            case ownedBy = "owned_by"
        }
    }

    let object = "list"
    let data: [Entry]

    init(_ cards: [ModelCard]) {
        data = cards.map { Entry(id: $0.id, created: $0.created, ownedBy: $0.ownedBy) }
    }
}
