/// The JSON Schemas (OpenAPI 3.1, JSON Schema 2020-12) of every request and response body.
enum OpenAPISchemas {
    typealias Schema = [String: Any]

    static func ref(_ name: String) -> Schema { ["$ref": "#/components/schemas/\(name)"] }
    static func object(_ properties: [String: Schema], required: [String] = []) -> Schema {
        var schema: Schema = ["type": "object", "properties": properties]
        if !required.isEmpty { schema["required"] = required }
        return schema
    }
    static func list(of name: String) -> Schema {
        object(["object": ["const": "list"], "data": ["type": "array", "items": ref(name)]], required: ["object", "data"])
    }
    static var string: Schema { ["type": "string"] }
    static var nullableString: Schema { ["type": ["string", "null"]] }
    static var integer: Schema { ["type": "integer"] }
    static var nullableInteger: Schema { ["type": ["integer", "null"], "minimum": 1] }
    static var number: Schema { ["type": "number"] }
    static var boolean: Schema { ["type": "boolean"] }
    static var dateTime: Schema { ["type": "string", "format": "date-time"] }
    static var nullableDateTime: Schema { ["type": ["string", "null"], "format": "date-time"] }
    static var usage: Schema { ref("Usage") }
    static var cached: Schema {
        [
            "const": true,
            "description": "The answer came from the team's response cache; the x-atrium-cache header says exact or semantic",
        ]
    }
    static var guardrails: Schema {
        let action: Schema = ["type": "string", "enum": ["allow", "redact", "block"]]
        let injection: Schema = ["type": "string", "enum": ["off", "flag", "drop_chunk", "block"]]
        let entities = ["email", "phone", "iban", "payment_card", "ip_address", "national_id", "secret"]
        return object([
            "pii": [
                "type": "object", "properties": Dictionary(uniqueKeysWithValues: entities.map { ($0, action) }),
                "additionalProperties": false, "description": "Action per entity type; types not named are allowed",
            ],
            "restore": ["type": "boolean", "description": "Put the request's own values back for placeholders in the answer"],
            "injection": object(["input": injection, "sources": injection]),
            "patterns": [
                "type": "array", "maxItems": 32,
                "items": object(
                    [
                        "name": ["type": "string", "pattern": "^[a-z0-9_]{1,32}$"],
                        "regex": ["type": "string", "description": "Linear-time subset; refused if it could backtrack"],
                        "terms": ["type": "array", "items": string, "description": "Deny-list, whole words, any case"],
                        "action": ["type": "string", "enum": ["redact", "block"]],
                    ], required: ["name", "action"]),
            ],
        ])
    }
    static var semanticCache: Schema {
        object([
            "enabled": ["type": "boolean", "description": "Answer questions of the same meaning from the cache (default false)"],
            "threshold": [
                "type": "number", "exclusiveMinimum": 0, "maximum": 1,
                "description":
                    "Cosine similarity both the last message and the earlier turns must reach (default 0.9)",
            ],
            "active": ["type": "boolean", "readOnly": true, "description": "Enabled and working on this server"],
            "inactive_reason": ["type": "string", "readOnly": true, "description": "Why an enabled semantic cache does nothing"],
        ])
    }

    static var all: [String: Schema] {
        [
            "Error": object(
                [
                    "error": object(
                        ["message": string, "type": string, "code": string, "param": nullableString],
                        required: ["message", "type", "code"])
                ], required: ["error"]),
            "Status": object(
                [
                    "status": string,
                    "upstreams": [
                        "type": "array",
                        "items": object(
                            ["model": string, "upstream": integer, "up": boolean],
                            required: ["model", "upstream", "up"]),
                    ],
                ], required: ["status"]),
            "Usage": object(
                ["prompt_tokens": integer, "completion_tokens": integer, "total_tokens": integer,
                 "prompt_tokens_details": [
                    "type": "object", "properties": ["cached_tokens": integer],
                    "description": "Prompt tokens taken from the team's prefix cache (the embedded engine)",
                 ]],
                required: ["prompt_tokens", "completion_tokens", "total_tokens"]),
            "Source": object(
                [
                    "document_id": string, "document_name": string, "chunk_index": integer, "score": number,
                    "section": ["type": "string", "description": "Headings above the chunk (`Setup › Ports`), if any"],
                ],
                required: ["document_id", "document_name", "chunk_index", "score"]),
            "Model": object(
                ["id": string, "object": ["const": "model"], "created": integer, "owned_by": string],
                required: ["id", "object", "created", "owned_by"]),
            "ModelList": list(of: "Model"),
            "ChatMessage": object(
                [
                    "role": ["type": "string", "enum": ["system", "developer", "user", "assistant"]],
                    "content": [
                        "oneOf": [
                            string, ["type": "null"],
                            [
                                "type": "array",
                                "items": object(["type": ["const": "text"], "text": string], required: ["type", "text"]),
                            ],
                        ]
                    ],
                ], required: ["role", "content"]),
            "ChatCompletionRequest": object(
                [
                    "model": string,
                    "messages": ["type": "array", "items": ref("ChatMessage"), "minItems": 1],
                    "stream": boolean,
                    "stream_options": object(["include_usage": boolean]),
                    "temperature": ["type": "number", "minimum": 0, "maximum": 2],
                    "top_p": ["type": "number", "exclusiveMinimum": 0, "maximum": 1],
                    "max_tokens": ["type": "integer", "minimum": 1],
                    "max_completion_tokens": ["type": "integer", "minimum": 1],
                    "stop": ["oneOf": [string, ["type": "array", "items": string, "maxItems": 4], ["type": "null"]]],
                    "seed": integer,
                    "n": ["const": 1],
                    "user": string,
                    "frequency_penalty": ["type": "number", "minimum": -2, "maximum": 2],
                    "presence_penalty": ["type": "number", "minimum": -2, "maximum": 2],
                    "logit_bias": [
                        "type": "object", "maxProperties": 300, "propertyNames": ["pattern": "^[0-9]+$"],
                        "additionalProperties": ["type": "number", "minimum": -100, "maximum": 100],
                    ],
                    "response_format": object(["type": ["enum": ["text", "json_object"]]]),
                    "tools": ["type": "array", "maxItems": 0],
                    "tool_choice": ["enum": ["none", "auto"]],
                    "logprobs": ["const": false],
                ], required: ["messages"]),
            "ChatCompletion": object(
                [
                    "id": string, "object": ["const": "chat.completion"], "created": integer, "model": string,
                    "choices": [
                        "type": "array",
                        "items": object(
                            [
                                "index": integer,
                                "message": object(["role": ["const": "assistant"], "content": string]),
                                "logprobs": ["type": "null"],
                                "finish_reason": ["type": "string", "enum": ["stop", "length", "content_filter"]],
                            ]),
                    ],
                    "usage": usage, "sources": ["type": "array", "items": ref("Source")], "cached": cached,
                ], required: ["id", "object", "created", "model", "choices", "usage", "sources"]),
            "ChatCompletionChunk": object(
                [
                    "id": string, "object": ["const": "chat.completion.chunk"], "created": integer, "model": string,
                    "choices": [
                        "type": "array",
                        "items": object(
                            [
                                "index": integer, "delta": object(["role": string, "content": string]),
                                "logprobs": ["type": "null"], "finish_reason": nullableString,
                            ]),
                    ],
                    "usage": ["oneOf": [usage, ["type": "null"]]],
                    "sources": ["type": "array", "items": ref("Source")],
                    "cached": cached,
                ], required: ["id", "object", "created", "model", "choices"]),
            "QueryRequest": object(
                [
                    "prompt": string, "team": string, "model": string, "temperature": number, "top_p": number,
                    "max_tokens": ["type": "integer", "minimum": 1], "seed": integer,
                ], required: ["prompt"]),
            "QueryResponse": object(
                ["response": string, "sources": ["type": "array", "items": ref("Source")], "model": string, "usage": usage],
                required: ["response", "sources"]),
            "EmbeddingsRequest": object(
                [
                    "input": ["oneOf": [string, ["type": "array", "items": string, "minItems": 1, "maxItems": 2048]]],
                    "model": ["type": "string", "description": "minilm-l6 or default"],
                    "encoding_format": ["type": "string", "enum": ["float", "base64"]],
                    "dimensions": integer, "user": string,
                ], required: ["input"]),
            "Embedding": object(
                [
                    "object": ["const": "embedding"], "index": integer,
                    "embedding": ["oneOf": [["type": "array", "items": number], string]],
                ], required: ["object", "index", "embedding"]),
            "EmbeddingList": object(
                [
                    "object": ["const": "list"], "data": ["type": "array", "items": ref("Embedding")], "model": string,
                    "usage": object(["prompt_tokens": integer, "total_tokens": integer]),
                ], required: ["object", "data", "model", "usage"]),
            "Collection": object(
                [
                    "id": string, "object": ["const": "collection"], "name": string, "documents": integer,
                    "chunks": integer, "created_at": dateTime,
                ], required: ["id", "name", "documents", "chunks"]),
            "CollectionList": list(of: "Collection"),
            "DocumentRequest": object(
                [
                    "name": ["type": "string", "description": "The name it is stored under; its extension picks the format"],
                    "text": string,
                    "content_type": ["type": "string", "description": "text/plain (default), text/markdown, text/html, …"],
                ], required: ["name", "text"]),
            "DocumentUpload": object(
                [
                    "file": ["type": "string", "contentMediaType": "application/octet-stream"],
                    "name": ["type": "string", "description": "Stored name (default: the file's name)"],
                    "content_type": string,
                ], required: ["file"]),
            "Document": object(
                [
                    "id": string, "object": ["const": "document"], "name": string, "format": string, "bytes": integer,
                    "chunks": integer, "created_at": dateTime,
                    "status": ["type": "string", "enum": ["added", "unchanged", "replaced"]],
                    "replaced": ["type": "string", "description": "The id of the document this one replaced"],
                    "reused_chunks": [
                        "type": "integer", "minimum": 0,
                        "description": "Replaced: chunks whose vectors were kept from the version before (not embedded again)",
                    ],
                ], required: ["id", "name", "chunks"]),
            "DocumentList": list(of: "Document"),
            "Deleted": object(["id": string, "object": string, "deleted": ["const": true]], required: ["id", "deleted"]),
            "SearchRequest": object(
                [
                    "query": string,
                    "top_k": ["type": "integer", "minimum": 1, "maximum": 50, "description": "Default: the profile's retrieval.top_k"],
                    "mode": ["type": "string", "enum": ["hybrid", "bm25", "vector"], "default": "hybrid"],
                    "group_by": [
                        "type": "string", "enum": ["chunk", "document"], "default": "chunk",
                        "description": "document: top_k documents, each once, with its best chunks in 'chunks'",
                    ],
                    "chunks_per_document": [
                        "type": "integer", "minimum": 1, "maximum": 50,
                        "description": "Chunks attached per document (default 3); by chunk: the most of one document (default: no limit)",
                    ],
                ], required: ["query"]),
            "SearchResults": object(
                [
                    "object": ["const": "list"], "mode": string,
                    "group_by": ["type": "string", "enum": ["chunk", "document"]],
                    "results": [
                        "type": "array",
                        "items": object(
                            [
                                "document_id": string, "document_name": string, "chunk": integer,
                                "heading_path": ["type": "array", "items": string], "text": string, "score": number,
                                "chunks": [
                                    "type": "array", "description": "group_by document: the document's best chunks",
                                    "items": object(
                                        [
                                            "chunk": integer, "heading_path": ["type": "array", "items": string],
                                            "text": string, "score": number,
                                        ], required: ["chunk", "text", "score"]),
                                ],
                            ], required: ["document_id", "document_name", "score"]),
                    ],
                ], required: ["results"]),
            "NameRequest": object(["name": string], required: ["name"]),
            "UserRequest": object(["name": string, "email": string, "org": string], required: ["name"]),
            "RotateKeyRequest": object(
                ["grace_seconds": ["type": "integer", "minimum": 0, "maximum": 604_800]], required: ["grace_seconds"]),
            "RoleRequest": object(
                ["role": ["type": "string", "enum": ["admin", "member", "viewer"]]], required: ["role"]),
            "Organization": object(["id": string, "name": string, "created_at": dateTime], required: ["id", "name"]),
            "OrganizationList": list(of: "Organization"),
            "Team": object(["id": string, "org": string, "name": string, "created_at": dateTime], required: ["id", "org", "name"]),
            "TeamList": list(of: "Team"),
            "User": object(["id": string, "name": string, "email": nullableString, "created_at": dateTime], required: ["id", "name"]),
            "Membership": object(["user": string, "team": nullableString, "role": string], required: ["user", "role"]),
            "MembershipList": list(of: "Membership"),
            "KeyRequest": object(
                [
                    "user": string, "team": string, "org": string,
                    "role": ["type": "string", "enum": ["owner", "org_admin", "admin", "team_admin", "member", "viewer"]],
                    "name": string, "expires_at": ["oneOf": [dateTime, number]], "limits": ref("KeyLimits"),
                ], required: ["user"]),
            "KeyLimits": object([
                "requests_per_minute": nullableInteger, "tokens_per_minute": nullableInteger,
                "max_concurrent": nullableInteger,
            ]),
            "Key": keySchema(withSecret: false),
            "IssuedKey": keySchema(withSecret: true),
            "KeyList": list(of: "Key"),
            "Profile": object(
                [
                    "system_prompt": string, "temperature": ["type": "number", "minimum": 0, "maximum": 2],
                    "top_p": ["type": "number", "exclusiveMinimum": 0, "maximum": 1],
                    "max_tokens": ["type": "integer", "minimum": 1],
                    "retrieval": object([
                        "enabled": boolean, "top_k": integer, "chunks_per_document": integer,
                        "collections": ["type": "array", "items": string],
                    ]),
                    "allowed_models": ["type": "array", "items": string], "version": integer,
                    "semantic_cache": semanticCache, "guardrails": guardrails,
                ]),
            "Limits": object([
                "requests_per_minute": nullableInteger, "tokens_per_minute": nullableInteger,
                "max_concurrent": nullableInteger, "monthly_tokens": nullableInteger,
                "weight": ["type": "number", "minimum": 0.01, "maximum": 100, "default": 1],
                "budgets": [
                    "type": "array", "items": ref("Budget"),
                    "description": "Read only: the team's budgets with what remains (ignored when saving)",
                ],
            ]),
            "AuditRecord": object(
                [
                    "id": integer, "occurred_at": dateTime, "request_id": nullableString, "key_id": nullableString,
                    "key_prefix": nullableString, "user_id": nullableString, "org_id": nullableString,
                    "team_id": nullableString, "action": string, "resource": string,
                    "decision": ["type": "string", "enum": ["allow", "deny"]], "reason": nullableString,
                    "query": nullableString, "prompt_tokens": integer, "completion_tokens": integer,
                    "latency_ms": integer, "cache_hit": boolean, "sources": ["type": "array", "items": string],
                    "prev_hash": string, "hash": string, "client_address": nullableString,
                    "flags": ["type": "array", "items": string],
                ], required: ["id", "occurred_at", "action", "resource", "decision", "hash", "prev_hash"]),
            "AuditList": list(of: "AuditRecord"),
            "AuditVerification": object(
                [
                    "intact": boolean, "records": ["type": "integer", "description": "Records intact before any break"],
                    "first_break": [
                        "oneOf": [
                            ["type": "null"],
                            object(
                                [
                                    "id": integer,
                                    "problem": [
                                        "type": "string",
                                        "enum": ["content_altered", "chain_broken", "missing", "head_mismatch"],
                                    ],
                                    "message": string,
                                ], required: ["id", "problem", "message"]),
                        ]
                    ],
                ], required: ["intact", "records", "first_break"]),
            "UsageRow": object(
                [
                    "day": string, "org_id": string, "team_id": string, "user_id": string, "key_id": string,
                    "requests": integer, "prompt_tokens": integer, "completion_tokens": integer,
                    "total_tokens": integer, "cache_hits": integer,
                ], required: ["day", "team_id", "requests", "prompt_tokens", "completion_tokens"]),
            "UsageSummary": object(
                [
                    "group": ["type": "string", "enum": ["team", "user", "key", "day"]], "day": string,
                    "org_id": string, "team_id": string, "team_name": string, "user_id": string, "user_name": string,
                    "key_id": string, "key_prefix": string, "requests": integer, "prompt_tokens": integer,
                    "completion_tokens": integer, "total_tokens": integer, "cache_hits": integer,
                ], required: ["group", "requests", "prompt_tokens", "completion_tokens", "total_tokens", "cache_hits"]),
            "UsageList": object(
                [
                    "object": ["const": "list"],
                    "data": [
                        "type": "array",
                        "description": "UsageRow items without group_by, UsageSummary items with it",
                        "items": ["oneOf": [ref("UsageRow"), ref("UsageSummary")]],
                    ],
                    "budgets": [
                        "type": "array", "items": ref("Budget"),
                        "description": "With 'team': that team's budgets and what remains of each",
                    ],
                ], required: ["object", "data"]),
            "Alert": object(
                [
                    "id": integer, "occurred_at": dateTime,
                    "kind": ["type": "string", "enum": ["address_blocked", "cross_team_attempt", "revoked_key_use", "role_escalation", "budget_warning"]],
                    "address": nullableString, "org_id": nullableString, "team_id": nullableString,
                    "key_prefix": nullableString, "detail": string,
                    "target_org_id": nullableString, "target_team_id": nullableString,
                ], required: ["id", "occurred_at", "kind", "detail"]),
            "AlertList": list(of: "Alert"),
        ].merging(alertDestinationSchemas) { $1 }.merging(budgetSchemas) { $1 }.merging(singleSignOnSchemas) { $1 }
    }

    private static func keySchema(withSecret: Bool) -> Schema {
        var properties: [String: Schema] = [
            "id": string, "prefix": string, "name": nullableString, "role": string, "user": string,
            "org": nullableString, "team": nullableString,
            "status": ["type": "string", "enum": ["active", "expired", "revoked"]],
            "created_at": dateTime, "created_by": nullableString, "expires_at": nullableDateTime,
            "last_used_at": nullableDateTime, "revoked_at": nullableDateTime,
        ]
        var required = ["id", "prefix", "role", "user", "status"]
        if withSecret {
            properties["key"] = ["type": "string", "description": "The key itself: shown this once, never stored."]
            properties["limits"] = ref("KeyLimits")
            required.append("key")
        }
        return object(properties, required: required)
    }
}
