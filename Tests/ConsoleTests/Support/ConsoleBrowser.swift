import Foundation
import Hummingbird
import HummingbirdTesting

/// One answer of the console: status, headers and the page.
struct ConsolePage: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: String

    var location: String? { headers[.location] }
    /// The `Set-Cookie` of the session cookie (either mode's name), if the answer sets or clears it.
    var setCookie: String? {
        headers[values: .setCookie].first { $0.hasPrefix("atrium_console=") || $0.hasPrefix("__Host-atrium_console=") }
    }

    /// The first CSRF token the page's forms carry.
    var csrf: String? {
        guard let range = body.range(of: #"name="csrf" value=""#) else { return nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }
}

/// A browser's part in the tests: keeps cookies as a browser would (set by `Set-Cookie`,
/// dropped by `Max-Age=0`; sent to every console path, which the server must tolerate) and
/// posts forms as `application/x-www-form-urlencoded`.
final class ConsoleBrowser: @unchecked Sendable {
    let client: any TestClientProtocol
    /// The cookies the browser sends (one test task at a time uses a browser).
    var cookies: [String: String] = [:]
    /// The session cookie's name: `__Host-atrium_console` where the console runs with secure
    /// cookies.
    let sessionCookieName: String

    /// The session cookie.
    var cookie: String? {
        get { cookies[sessionCookieName] }
        set { cookies[sessionCookieName] = newValue }
    }

    init(client: any TestClientProtocol, sessionCookieName: String = "atrium_console") {
        self.client = client
        self.sessionCookieName = sessionCookieName
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

    /// Any request with a raw body, as a page's script sends it.
    func send(_ method: HTTPRequest.Method, _ path: String, body: String, headers: HTTPFields) async throws
        -> ConsolePage
    {
        try await send(method, path, headers: headers, body: ByteBuffer(string: body))
    }

    /// Signs in with `key` through the sign-in form (its nonce included); the sign-in answer.
    @discardableResult
    func signIn(_ key: String) async throws -> ConsolePage {
        let form = try await get("/console/sign-in")
        guard let range = form.body.range(of: #"name="nonce" value=""#) else { throw ConsoleBrowserError.noToken }
        let nonce = String(form.body[range.upperBound...].prefix { $0 != "\"" })
        return try await post("/console/sign-in", form: [("key", key), ("nonce", nonce)])
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
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: "; ")
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        for set in response.headers[values: .setCookie] {
            guard let pair = set.split(separator: ";").first else { continue }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let value = parts.count == 2 ? parts[1] : ""
            cookies[parts[0]] = set.contains("Max-Age=0") || value.isEmpty ? nil : value
        }
        return ConsolePage(
            status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-_.~"))) ?? ""
    }
}

enum ConsoleBrowserError: Error {
    case noToken
}
