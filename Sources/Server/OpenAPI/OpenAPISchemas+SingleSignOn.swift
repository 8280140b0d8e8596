extension OpenAPISchemas {
    /// Single sign-on group mappings: the request (the whole set) and the answer.
    static var singleSignOnSchemas: [String: Schema] {
        let group: Schema = [
            "type": "string", "minLength": 1, "maxLength": 256,
            "description": "The identity provider's group, as its groups claim spells it (no control characters)",
        ]
        let role: Schema = ["type": "string", "enum": ["admin", "team_admin", "member", "viewer"]]
        return [
            "GroupMappingsRequest": object(
                [
                    "mappings": [
                        "type": "array", "maxItems": 256,
                        "items": object(
                            [
                                "group": group,
                                "team": [
                                    "type": "string", "description": "A team of the organization: id, name or org/team",
                                ],
                                "role": role,
                            ], required: ["group", "team", "role"]),
                    ]
                ], required: ["mappings"]),
            "GroupMappings": object(
                [
                    "mappings": [
                        "type": "array",
                        "items": object(
                            [
                                "group": group, "team": string, "team_name": string,
                                "role": ["type": "string", "enum": ["team_admin", "member", "viewer"]],
                            ], required: ["group", "team", "team_name", "role"]),
                    ]
                ], required: ["mappings"]),
        ]
    }
}
