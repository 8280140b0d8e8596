import AtriumTestSupport
import Foundation
import Hummingbird
@testable import Server
import Testing

/// Extreme numbers, instants and wrong types at every numeric input of every route, as every
/// role: generated from the route table through the OpenAPI document (its query parameters and
/// request-body schemas, nested objects included), so a field added to a route is attacked
/// here without anyone writing a line. Every answer must be below 500, an error must be in the
/// OpenAI shape, a value no field accepts must be refused, and the server must stay alive.
@Suite struct BoundedInputTests {
    /// Raw JSON for body fields, and whether every numeric field must refuse it.
    static let bodyExtremes: [(json: String, refused: Bool)] = [
        ("1e300", true), ("-1e300", true), ("1e16", true), ("99999999999999999999999", true),
        ("-99999999999999999999999", true), ("\"NaN\"", true), ("\"Infinity\"", true), ("\"12abc\"", true),
        ("true", true), ("[]", true), ("{}", true), ("-1", false), ("0", false), ("0.5", false),
    ]

    /// Query-string values, and whether every numeric parameter must refuse it.
    static let queryExtremes: [(text: String, refused: Bool)] = [
        ("1e300", true), ("-1e300", true), ("1e16", true), ("99999999999999999999999", true), ("NaN", true),
        ("Infinity", true), ("-Infinity", true), ("abc", true), ("%00", true), ("-1", true), ("0", false),
    ]

    /// Body fields that are output only, ignored on input (so any value is accepted).
    static let ignoredFields: Set<String> = ["version"]
    /// Body fields that take any 64-bit integer (OpenAI's `seed`): only values past it are refused.
    static let fullRangeIntegers: Set<String> = ["seed"]

    /// A numeric input of a route: a body field (its path of keys) or a query parameter.
    enum Input: CustomStringConvertible {
        case body([String])
        case query(String)

        var description: String {
            switch self {
            case let .body(path): "body." + path.joined(separator: ".")
            case let .query(name): "?\(name)="
            }
        }
    }

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: OpenAPIDocument.json()).utf8)) as? [String: Any])
    }

    /// The numeric inputs the OpenAPI document declares for `route`.
    static func numericInputs(of route: AtriumRoute, in document: [String: Any]) throws -> [Input] {
        let paths = try #require(document["paths"] as? [String: Any])
        let item = try #require(paths[route.path] as? [String: Any], "\(route.path)")
        let operation = try #require(item[route.method.rawValue.lowercased()] as? [String: Any])
        var inputs: [Input] = []
        for parameter in operation["parameters"] as? [[String: Any]] ?? [] where parameter["in"] as? String == "query" {
            let name = parameter["name"] as? String ?? ""
            let schema = parameter["schema"] as? [String: Any] ?? [:]
            if isNumeric(schema) || ["since", "until"].contains(name) { inputs.append(.query(name)) }
        }
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        if let body = operation["requestBody"] as? [String: Any],
            let json = (body["content"] as? [String: Any])?["application/json"] as? [String: Any],
            let schema = json["schema"] as? [String: Any]
        {
            inputs += numericFields(of: schema, at: [], schemas: schemas).map(Input.body)
        }
        return inputs
    }

    static func isNumeric(_ schema: [String: Any]) -> Bool {
        let types: [String] = (schema["type"] as? [String]) ?? [(schema["type"] as? String) ?? ""]
        if types.contains("integer") || types.contains("number") { return true }
        return (schema["oneOf"] as? [[String: Any]] ?? []).contains(where: isNumeric)
    }

    static func numericFields(of schema: [String: Any], at path: [String], schemas: [String: Any]) -> [[String]] {
        if let reference = schema["$ref"] as? String,
            let resolved = schemas[String(reference.split(separator: "/").last ?? "")] as? [String: Any]
        {
            return numericFields(of: resolved, at: path, schemas: schemas)
        }
        if isNumeric(schema) { return path.isEmpty ? [] : [path] }
        let properties = schema["properties"] as? [String: Any] ?? [:]
        return properties.keys.sorted().flatMap { name in
            numericFields(of: properties[name] as? [String: Any] ?? [:], at: path + [name], schemas: schemas)
        }
    }

    /// `json` with the value at `path` replaced by the raw JSON text `value`.
    static func body(_ json: [String: Any], setting path: [String], to value: String) throws -> String {
        let marker = "__bounded_input_marker__"
        func set(_ object: [String: Any], _ path: ArraySlice<String>) -> [String: Any] {
            var object = object
            guard let first = path.first else { return object }
            if path.count == 1 {
                object[first] = marker
            } else {
                object[first] = set(object[first] as? [String: Any] ?? [:], path.dropFirst())
            }
            return object
        }
        let data = try JSONSerialization.data(withJSONObject: set(json, path[...]), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"\(marker)\"", with: value)
    }

    @Test func everyNumericInputRefusesExtremesAndTheServerStaysUp() async throws {
        let world = try ServerWorld.make()
        let document = try Self.document()
        let attacked = try AtriumRoute.allCases.filter(\.isAuthenticated).map { route in
            (route, try Self.numericInputs(of: route, in: document))
        }.filter { !$0.1.isEmpty }
        // The generator must find the inputs the attack round went for, or it tests nothing.
        let found = Set(attacked.flatMap { $0.1.map(\.description) })
        for expected in ["?since=", "?until=", "?limit=", "body.max_tokens", "body.expires_at", "body.monthly_tokens"] {
            #expect(found.contains(expected), "no route declares \(expected)")
        }
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            var serial = 10_000
            for (route, inputs) in attacked {
                for input in inputs {
                    for holder in PermissionMatrixTests.holders {
                        let cases: [(String, Bool)] =
                            switch input {
                            case .body: Self.bodyExtremes.map { ($0.json, $0.refused) }
                            case .query: Self.queryExtremes.map { ($0.text, $0.refused) }
                            }
                        for (value, refused) in cases {
                            serial += 1
                            let call = try await PermissionMatrixTests.call(
                                route.rawValue, http: http, scenario: scenario, serial: serial)
                            let answer: HTTPAnswer
                            switch input {
                            case let .body(path):
                                let raw = try Self.body(call.body ?? [:], setting: path, to: value)
                                answer = try await http.call(call.method, call.path, key: scenario[holder], raw: raw)
                            case let .query(name):
                                let separator = call.path.contains("?") ? "&" : "?"
                                answer = try await http.call(
                                    call.method, call.path + separator + "\(name)=\(value)", key: scenario[holder],
                                    json: call.body)
                            }
                            let what = "\(route.rawValue) \(input)\(value) as \(holder): \(answer.status) \(answer.body.prefix(200))"
                            #expect(answer.status < 500, "\(what)")
                            if answer.status >= 400 { #expect(answer.isOpenAIError, "\(what)") }
                            if refused, case let .body(path) = input, Self.ignoredFields.contains(path.last ?? "") {
                                continue
                            }
                            if value == "1e16", case let .body(path) = input,
                                Self.fullRangeIntegers.contains(path.last ?? "")
                            {
                                continue
                            }
                            if refused { #expect((400..<500).contains(answer.status), "\(what)") }
                        }
                    }
                }
            }
            // Alive: the owner still reads the audit, and a team member still chats.
            #expect(try await http.call(.get, "/v1/admin/audit?limit=5", key: scenario["owner"]).status == 200)
            let chat = try await http.call(
                .post, "/v1/chat/completions", key: scenario["bob"], json: ["messages": [["role": "user", "content": "Hi"]]])
            #expect(chat.status == 200)
        }
    }

    @Test func instantsOutsideTheCalendarAreRefusedNotTrapped() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            for route in ["/v1/admin/audit", "/v1/admin/usage", "/v1/admin/alerts"] {
                for value in ["1e16", "1e300", "-1", "10000-01-01", "253402300800"] {
                    let answer = try await http.call(.get, "\(route)?since=\(value)", key: scenario["alice"])
                    #expect(answer.status == 400, "\(route)?since=\(value): \(answer.status)")
                    #expect(answer.json["error"].map { _ in true } == true)
                }
                let last = try await http.call(.get, "\(route)?since=253402300799", key: scenario["alice"])
                #expect(last.status == 200, "the last second of 9999 is a time: \(last.body)")
            }
            let key = try await http.call(
                .post, "/v1/admin/keys", key: scenario["owner"],
                json: ["user": "bob", "team": "acme/sales", "role": "viewer", "expires_at": 1e16])
            #expect(key.status == 400 && key.errorMessage?.contains("expires_at") == true, "\(key.body)")
        }
    }
}
