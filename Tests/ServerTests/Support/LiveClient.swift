import AsyncHTTPClient
import Foundation
import NIOCore

/// Real HTTP to a running server (AsyncHTTPClient).
struct LiveClient: Sendable {
    let baseURL: String
    let client: HTTPClient

    func call(_ method: String, _ path: String, key: String? = nil, json: Any? = nil) async throws -> HTTPAnswerLive {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .init(rawValue: method)
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        let headers = Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }) { first, _ in first }
        return HTTPAnswerLive(status: Int(response.status.code), body: String(buffer: body), headers: headers)
    }

    /// As the owner: an organization `org` with a team `team`, a user `user` as its member, and
    /// a key for them in that team — the one tenant most end-to-end tests need. Returns the key.
    func memberKey(owner: String, org: String = "acme", team: String = "sales", user: String) async throws -> String {
        _ = try await call("POST", "/v1/admin/orgs", key: owner, json: ["name": org])
        _ = try await call("POST", "/v1/admin/orgs/\(org)/teams", key: owner, json: ["name": team])
        _ = try await call("POST", "/v1/admin/users", key: owner, json: ["name": user])
        _ = try await call("PUT", "/v1/admin/teams/\(org)%2F\(team)/members/\(user)", key: owner, json: ["role": "member"])
        let issued = try await call("POST", "/v1/admin/keys", key: owner, json: ["user": user, "team": "\(org)/\(team)"])
        guard let key = issued.json["key"] as? String else { throw LiveClientError.setupFailed(issued.body) }
        return key
    }
}

enum LiveClientError: Error {
    case setupFailed(String)
}

struct HTTPAnswerLive: Sendable {
    let status: Int
    let body: String
    /// By lowercased name (the first value of a repeated header).
    var headers: [String: String] = [:]

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
    var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
}
