import AtriumTestSupport
import Foundation
import Hummingbird
import Server
import Testing

@Suite struct OpenAPITests {
    @Test func theDocumentDescribesEveryRouteAndResolvesEveryReference() async throws {
        let world = try ServerWorld.make()
        let answer = try await world.test { http in try await http.call(.get, "/openapi.json") }
        let document = answer.json
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        for route in AtriumRoute.allCases {
            let operation = paths[route.path]?[route.method.rawValue.lowercased()] as? [String: Any]
            #expect(operation != nil, "\(route) is not documented")
            #expect(operation?["responses"] != nil)
        }
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        var references: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let ref = object["$ref"] as? String { references.append(ref) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(document)
        #expect(!references.isEmpty)
        for reference in references {
            let name = reference.replacingOccurrences(of: "#/components/schemas/", with: "")
            #expect(schemas[name] != nil, "\(reference) does not resolve")
        }
    }

    @Test func everyDocumentedRouteIsServed() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            for route in AtriumRoute.allCases {
                let path = route.path.replacingOccurrences(of: #"\{[a-z]+\}"#, with: "x", options: .regularExpression)
                let answer = try await http.call(route.method, path)
                #expect(answer.errorCode != "route_not_found", "\(route.method) \(route.path) is not routed")
            }
        }
    }

    /// The alert destination schemas are the answers' real shape: every property the server
    /// sends is documented and every required one is sent; only the creation answer has the secret.
    @Test func alertDestinationSchemasMatchTheRealAnswers() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let document = try await http.call(.get, "/openapi.json").json
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
            func properties(_ name: String) -> (all: Set<String>, required: Set<String>) {
                let schema = schemas[name] ?? [:]
                return (
                    Set((schema["properties"] as? [String: Any] ?? [:]).keys), Set(schema["required"] as? [String] ?? [])
                )
            }
            let created = try await http.call(
                .post, "/v1/admin/orgs/acme/alert-destinations", key: scenario["dave"],
                json: ["url": "https://hooks.example.com/x", "name": "pager", "kinds": ["role_escalation"], "teams": ["sales"]])
            let listed = try await http.call(.get, "/v1/admin/orgs/acme/alert-destinations", key: scenario["dave"])
            let item = try #require(listed.data.first)
            for (answer, schema) in [(created.json, "CreatedAlertDestination"), (item, "AlertDestination")] {
                let (all, required) = properties(schema)
                #expect(Set(answer.keys) == all, "\(schema): \(answer.keys.sorted()) vs \(all.sorted())")
                #expect(required.isSubset(of: Set(answer.keys)), "\(schema)")
            }
            #expect(created.json["secret"] != nil && item["secret"] == nil)
            let delivery = try #require(item["delivery"] as? [String: Any])
            #expect(Set(delivery.keys) == properties("AlertDelivery").all)
        }
    }
}
