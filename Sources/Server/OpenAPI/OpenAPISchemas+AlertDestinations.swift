extension OpenAPISchemas {
    static var alertKind: Schema {
        ["type": "string", "enum": ["address_blocked", "cross_team_attempt", "revoked_key_use", "role_escalation", "budget_warning"]]
    }

    /// Alert destinations: the request, the listing (with delivery status) and the one answer
    /// that carries the signing secret.
    static var alertDestinationSchemas: [String: Schema] {
        var created = alertDestination(withSecret: true)
        created["description"] = "The destination with its signing secret, shown this once"
        return [
            "AlertDestinationRequest": object(
                [
                    "url": [
                        "type": "string", "format": "uri",
                        "description": "http or https; no user:password, no fragment",
                    ],
                    "name": ["type": "string", "maxLength": 200],
                    "kinds": ["type": "array", "items": alertKind, "description": "Only these kinds (default: all)"],
                    "teams": [
                        "type": "array", "items": string,
                        "description":
                            "Only alerts about these teams of the organization (id, name or org/team; default: all)",
                    ],
                ], required: ["url"]),
            "AlertDestination": alertDestination(withSecret: false),
            "CreatedAlertDestination": created,
            "AlertDestinationList": list(of: "AlertDestination"),
            "AlertDelivery": object(
                [
                    "last_attempt_at": nullableDateTime, "last_success_at": nullableDateTime,
                    "last_error_at": nullableDateTime,
                    "last_error": [
                        "type": ["string", "null"],
                        "description":
                            "http_status, timeout, connection_failed, connection_closed, redirect, tls_failed, private_address, unresolvable_host or other",
                    ],
                    "last_error_status": ["type": ["integer", "null"], "description": "The receiver's HTTP status"],
                    "pending": [
                        "type": "integer", "description": "Deliveries waiting for their first or next attempt",
                    ],
                    "abandoned": ["type": "integer", "description": "Deliveries given up after their last attempt"],
                ], required: ["pending", "abandoned"]),
        ]
    }

    private static func alertDestination(withSecret: Bool) -> Schema {
        var properties: [String: Schema] = [
            "id": string, "org": nullableString, "url": string, "name": nullableString,
            "kinds": ["type": "array", "items": alertKind], "teams": ["type": "array", "items": string],
            "created_at": dateTime, "delivery": ref("AlertDelivery"),
        ]
        var required = ["id", "org", "url", "kinds", "teams", "created_at", "delivery"]
        if withSecret {
            properties["secret"] = [
                "type": "string",
                "description":
                    "Signs every delivery: X-Atrium-Signature = sha256=hex(HMAC-SHA256(secret, timestamp + '.' + body))",
            ]
            required.append("secret")
        }
        return object(properties, required: required)
    }
}
