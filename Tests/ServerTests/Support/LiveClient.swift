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
