import AsyncHTTPClient
import Foundation
import NIOCore

/// Real HTTP to a running server with the response headers kept (`Retry-After`) and extra
/// request headers (`X-Forwarded-For`).
struct LiveExchange: Sendable {
    let baseURL: String
    var client: HTTPClient { HTTPClient.shared }

    struct Answer: Sendable {
        let status: Int
        /// Header values by lowercased name (the first of each).
        let headers: [String: String]
        let body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
        var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
        var retryAfter: Int? { headers["retry-after"].flatMap { Int($0) } }
    }

    func call(
        _ method: String, _ path: String, key: String? = nil, json: Any? = nil, forwardedFor: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .init(rawValue: method)
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let forwardedFor { request.headers.add(name: "X-Forwarded-For", value: forwardedFor) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        var headers: [String: String] = [:]
        for header in response.headers where headers[header.name.lowercased()] == nil {
            headers[header.name.lowercased()] = header.value
        }
        return Answer(status: Int(response.status.code), headers: headers, body: String(buffer: body))
    }

    /// A chat with the mock upstream's model.
    func chat(key: String, forwardedFor: String? = nil) async throws -> Answer {
        try await call(
            "POST", "/v1/chat/completions", key: key,
            json: ["model": "mock", "messages": [["role": "user", "content": "Hello"]]], forwardedFor: forwardedFor)
    }

    /// Sets up an organization, a team, a user with a team role and a key for them; returns
    /// the key and its id.
    func member(
        owner: String, org: String, team: String, user: String, role: String, keyLimits: [String: Any]? = nil
    ) async throws -> (key: String, id: String) {
        _ = try await call("POST", "/v1/admin/orgs", key: owner, json: ["name": org])
        _ = try await call("POST", "/v1/admin/orgs/\(org)/teams", key: owner, json: ["name": team])
        _ = try await call("POST", "/v1/admin/users", key: owner, json: ["name": user])
        let membership = try await call("PUT", "/v1/admin/teams/\(org)%2F\(team)/members/\(user)", key: owner, json: ["role": role])
        guard membership.status == 200 else { throw LiveExchangeError.setup(membership.body) }
        var body: [String: Any] = ["user": user, "team": "\(org)/\(team)"]
        if let keyLimits { body["limits"] = keyLimits }
        let issued = try await call("POST", "/v1/admin/keys", key: owner, json: body)
        guard issued.status == 201, let key = issued.json["key"] as? String, let id = issued.json["id"] as? String else {
            throw LiveExchangeError.setup(issued.body)
        }
        return (key, id)
    }
}

enum LiveExchangeError: Error, CustomStringConvertible {
    case setup(String)

    var description: String {
        switch self {
        case let .setup(body): "set-up request failed: \(body)"
        }
    }
}
