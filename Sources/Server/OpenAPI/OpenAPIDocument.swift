import Foundation
import Hummingbird
import NIOCore

/// `GET /openapi.json`: OpenAPI 3.1 for every route of ``AtriumRoute``, with its parameters,
/// body, answers and error shape, so clients can be generated and the API fuzzed.
enum OpenAPIDocument {
    typealias Schema = OpenAPISchemas.Schema

    static func json() -> ByteBuffer {
        // The document is built from literals only, so serializing it cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: document(), options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return ByteBuffer(bytes: data)
    }

    static func document() -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for route in AtriumRoute.allCases {
            paths[route.path, default: [:]][route.method.rawValue.lowercased()] = operation(route)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Atrium",
                "version": "1.0.0",
                "description": "One LLM server, many tenants. OpenAI-compatible data plane; the key's team is the tenant.",
            ],
            "paths": paths,
            "components": [
                "schemas": OpenAPISchemas.all,
                "securitySchemes": ["apiKey": ["type": "http", "scheme": "bearer"]],
            ],
        ]
    }

    private static func operation(_ route: AtriumRoute) -> [String: Any] {
        let description = route.documentation
        var operation: [String: Any] = [
            "operationId": route.rawValue,
            "summary": description.summary,
            "responses": responses(route, success: description.success),
        ]
        if route.isAuthenticated {
            operation["security"] = [["apiKey": [String]()]]
        } else {
            operation["security"] = [[String: [String]]]()
        }
        operation["tags"] = [route.isOperations ? "operations" : route.path.hasPrefix("/v1/admin") ? "administration" : "data"]
        let parameters = pathParameters(route.path) + description.query.map(queryParameter)
        if !parameters.isEmpty { operation["parameters"] = parameters }
        if let body = description.body {
            var content: [String: Any] = ["application/json": ["schema": OpenAPISchemas.ref(body)]]
            if route == .addDocument { content["multipart/form-data"] = ["schema": OpenAPISchemas.ref("DocumentUpload")] }
            operation["requestBody"] = ["required": true, "content": content]
        }
        return operation
    }

    private static func responses(_ route: AtriumRoute, success: (status: Int, schema: String?)) -> [String: Any] {
        var content: [String: Any] = [:]
        if let schema = success.schema {
            content["application/json"] = ["schema": OpenAPISchemas.ref(schema)]
        }
        if route == .metrics {
            content["text/plain"] = [
                "schema": [
                    "type": "string",
                    "description": "Prometheus text format: atrium_requests_total, atrium_tokens_total, latency histograms, engine gauges, denials",
                ]
            ]
        }
        if route == .chatCompletions {
            content["text/event-stream"] = [
                "schema": ["type": "string", "description": "`data: {ChatCompletionChunk}` events, then `data: [DONE]`"]
            ]
        }
        let successAnswer: [String: Any] =
            content.isEmpty ? ["description": "Done"] : ["description": "Success", "content": content]
        var responses: [String: Any] = ["\(success.status)": successAnswer]
        var errors = ["400", "404"]
        // 429: a blocked client address, on every authenticated route; limits on the chat routes.
        if route.isAuthenticated { errors += ["401", "403", "429"] }
        if route.method == .post || route.method == .put { errors += ["409", "413"] }
        if route == .chatCompletions || route == .query { errors += ["502", "504"] }
        // 503: every authenticated route reads the store, which may be unavailable (with
        // `Retry-After`); knowledge also without an embedding model, chat with a full queue.
        if route.isAuthenticated || route.isKnowledge { errors += ["503"] }
        if route == .addDocument { errors += ["415"] }
        if route == .readiness { errors = ["503"] }
        for status in errors {
            responses[status] = [
                "description": "Error", "content": ["application/json": ["schema": OpenAPISchemas.ref("Error")]],
            ]
        }
        return responses
    }

    private static func pathParameters(_ path: String) -> [[String: Any]] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { segment in
            [
                "name": String(segment.dropFirst().dropLast()), "in": "path", "required": true,
                "schema": ["type": "string", "minLength": 1],
            ]
        }
    }

    private static func queryParameter(_ name: String) -> [String: Any] {
        let schema: [String: Any] =
            switch name {
            case "limit": ["type": "integer", "minimum": 1, "maximum": 1000]
            case "since", "until": ["type": "string", "description": "ISO 8601 time or date, or Unix seconds"]
            case "group_by": ["type": "string", "enum": ["team", "user", "key", "day"]]
            case "with_minted": ["type": "string", "enum": ["true", "false"]]
            default: ["type": "string"]
            }
        return ["name": name, "in": "query", "required": false, "schema": schema]
    }
}
