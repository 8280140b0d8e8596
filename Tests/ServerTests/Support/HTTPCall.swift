import Foundation
import Hummingbird
import HummingbirdTesting

/// One answer, with its body parsed as JSON when it is JSON.
struct HTTPAnswer: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// `error.code` of an OpenAI-shaped error.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
    var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }

    /// Whether the body is exactly the OpenAI error shape.
    var isOpenAIError: Bool {
        guard let error = json["error"] as? [String: Any] else { return false }
        return error["message"] is String && error["type"] is String && error["code"] is String
    }
}

/// Calls the router in process (HummingbirdTesting's `.router`).
struct HTTPCaller: Sendable {
    let client: any TestClientProtocol

    func call(_ method: HTTPRequest.Method, _ path: String, key: String? = nil, json: Any? = nil, raw: String? = nil)
        async throws -> HTTPAnswer
    {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        } else if let raw {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: raw)
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
    }
}
