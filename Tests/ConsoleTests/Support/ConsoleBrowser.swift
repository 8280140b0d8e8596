import Foundation
import Hummingbird
import HummingbirdTesting

/// One answer of the console: status, headers and the page.
struct ConsolePage: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: String

    var location: String? { headers[.location] }
    var setCookie: String? { headers[.setCookie] }

    /// The first CSRF token the page's forms carry.
    var csrf: String? {
        guard let range = body.range(of: #"name="csrf" value=""#) else { return nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }
}

/// A browser's part in the tests: keeps the session cookie as a browser would (set by
/// `Set-Cookie`, dropped by `Max-Age=0`) and posts forms as `application/x-www-form-urlencoded`.
final class ConsoleBrowser: @unchecked Sendable {
    let client: any TestClientProtocol
    /// The cookie the browser sends (one test task at a time uses a browser).
    var cookie: String?

    init(client: any TestClientProtocol) {
        self.client = client
    }

    func get(_ path: String, headers extra: HTTPFields = [:]) async throws -> ConsolePage {
        try await send(.get, path, headers: extra, body: nil)
    }

    func post(_ path: String, form: [(String, String)], headers extra: HTTPFields = [:]) async throws -> ConsolePage {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        let body = form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(.post, path, headers: headers, body: ByteBuffer(string: body))
    }

    func postJSON(_ path: String, json: String, headers extra: HTTPFields = [:]) async throws -> ConsolePage {
        var headers = extra
        headers[.contentType] = "application/json"
        return try await send(.post, path, headers: headers, body: ByteBuffer(string: json))
    }

    /// Signs in with `key`; the sign-in answer.
    @discardableResult
    func signIn(_ key: String) async throws -> ConsolePage {
        try await post("/console/sign-in", form: [("key", key)])
    }

    /// The CSRF token of the signed-in session, read off its overview page.
    func csrf() async throws -> String {
        guard let token = try await get("/console").csrf else { throw ConsoleBrowserError.noToken }
        return token
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, headers extra: HTTPFields, body: ByteBuffer?)
        async throws -> ConsolePage
    {
        var headers = extra
        if let cookie { headers[.cookie] = "atrium_console=\(cookie)" }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        if let set = response.headers[.setCookie], let pair = set.split(separator: ";").first {
            let value = pair.split(separator: "=", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            cookie = set.contains("Max-Age=0") || value.isEmpty ? nil : value
        }
        return ConsolePage(status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-_.~"))) ?? ""
    }
}

enum ConsoleBrowserError: Error {
    case noToken
}
