import Gateway

/// `GET /v1/models`: `{"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}`;
/// `GET /v1/models/{model}`: one entry.
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

        init(_ card: ModelCard) {
            id = card.id
            created = card.created
            ownedBy = card.ownedBy
        }
    }

    let object = "list"
    let data: [Entry]

    init(_ cards: [ModelCard]) {
        data = cards.map(Entry.init)
    }
}
