import AsyncHTTPClient
import AtriumTestSupport
import Crypto
import Foundation
import Hummingbird
import JWTKit
import NIOCore
import Synchronization

/// A small OpenID Connect provider on a loopback port (a Hummingbird app) for the SSO tests:
/// discovery, JWKS, an authorization endpoint that sends the browser back with a code for the
/// configured person and groups, and a token endpoint that checks the client secret, the
/// code's redirect URL and the PKCE verifier before answering an ES256-signed ID token. It
/// can rotate its key and issue tampered, expired, mis-addressed tokens on request.
final class TestOpenIDProvider: Sendable {
    static let clientID = "atrium-console"
    static let clientSecret = "test-client-secret-not-for-production"

    /// Who signs in next, and what is wrong with their token.
    struct Person: Sendable {
        var subject = "idp-user-1"
        var preferredUsername: String? = "erika"
        var email: String? = "erika@example.com"
        var groups = ["sales-eng"]
    }

    enum Defect: Sendable {
        case none, tamperedSignature, wrongAudience, wrongNonce, expired, wrongIssuer, unknownKey
        /// `nbf` ten minutes ahead.
        case notYetValid
        /// Two audiences, the authorized party (`azp`) the other one.
        case foreignAuthorizedParty
        /// Discovery names a plain-http token endpoint off this machine.
        case insecureEndpoint
        /// The token endpoint answers 307 to another one that would redeem the code.
        case redirectingTokenEndpoint
        /// The JWKS answers 302 to another address that serves the keys.
        case redirectingKeys
        /// Discovery says ID tokens are signed with RS256 only; the token comes signed ES256
        /// with a published key all the same.
        case algorithmNotAnnounced
    }

    struct SigningKey: Sendable {
        let kid: String
        let key: ES256PrivateKey

        var jwk: [String: String] {
            let (x, y) = key.parameters!
            return ["kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "alg": "ES256", "use": "sig"]
        }
    }

    private struct Grant: Sendable {
        let nonce: String
        let challenge: String
        let redirectURI: String
        let person: Person
        /// Its exchange waits for ``releaseHeldExchanges()``.
        let held: Bool
    }

    private final class State: Sendable {
        let person = Mutex(Person())
        let defect = Mutex(Defect.none)
        let keys = Mutex([SigningKey(kid: "key-1", key: ES256PrivateKey())])
        let grants = Mutex([String: Grant]())
        let jwksFetches = Mutex(0)
        let discoveryFetches = Mutex(0)
        let refusedExchanges = Mutex(0)
        let redirectsFollowed = Mutex(0)
        let holdsExchanges = Mutex(false)
        /// Held exchanges waiting now, and what wakes them (`nil` once released).
        let held = Mutex<(count: Int, waiting: [CheckedContinuation<Void, Never>]?)>((0, []))
        let clock = Mutex<@Sendable () -> Date>({ Date() })
        /// Known once the server listens (on a port the kernel chose).
        let issuer = Mutex("")
    }

    let port: Int
    let issuer: String
    private let state: State
    private let task: Task<Void, any Error>
    private let client: HTTPClient

    init() async throws {
        let state = State()
        self.state = state
        let router = Router()
        router.get("/.well-known/openid-configuration") { _, _ in
            state.discoveryFetches.withLock { $0 += 1 }
            let issuer = state.issuer.withLock { $0 }
            let tokenEndpoint =
                state.defect.withLock { $0 } == .insecureEndpoint ? "http://192.0.2.7/token" : "\(issuer)/token"
            return TestOpenIDProvider.json([
                "issuer": issuer, "authorization_endpoint": "\(issuer)/authorize", "token_endpoint": tokenEndpoint,
                "jwks_uri": "\(issuer)/jwks", "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported":
                    state.defect.withLock { $0 } == .algorithmNotAnnounced ? ["RS256"] : ["ES256"],
            ])
        }
        router.get("/jwks") { _, _ in
            state.jwksFetches.withLock { $0 += 1 }
            if state.defect.withLock({ $0 }) == .redirectingKeys {
                return Response(status: .found, headers: [.location: "\(state.issuer.withLock { $0 })/jwks-elsewhere"])
            }
            return TestOpenIDProvider.json(["keys": state.keys.withLock { $0.map(\.jwk) }])
        }
        router.get("/jwks-elsewhere") { _, _ in
            state.redirectsFollowed.withLock { $0 += 1 }
            return TestOpenIDProvider.json(["keys": state.keys.withLock { $0.map(\.jwk) }])
        }
        router.get("/authorize") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard query.get("response_type") == "code", query.get("client_id") == TestOpenIDProvider.clientID,
                query.get("code_challenge_method") == "S256", let challenge = query.get("code_challenge"),
                let redirect = query.get("redirect_uri"), let stateValue = query.get("state"),
                let nonce = query.get("nonce"), query.get("scope")?.split(separator: " ").contains("openid") == true
            else { return Response(status: .badRequest) }
            let code = UUID().uuidString
            let person = state.person.withLock { $0 }
            let held = state.holdsExchanges.withLock { $0 }
            state.grants.withLock {
                $0[code] = Grant(nonce: nonce, challenge: challenge, redirectURI: redirect, person: person, held: held)
            }
            var components = URLComponents(string: redirect)!
            components.queryItems = [URLQueryItem(name: "code", value: code), URLQueryItem(name: "state", value: stateValue)]
            return Response(status: .found, headers: [.location: components.url!.absoluteString])
        }
        router.post("/token") { request, _ -> Response in
            if state.defect.withLock({ $0 }) == .redirectingTokenEndpoint {
                return Response(status: .temporaryRedirect, headers: [.location: "\(state.issuer.withLock { $0 })/token-elsewhere"])
            }
            return try await TestOpenIDProvider.redeem(request, state: state)
        }
        router.post("/token-elsewhere") { request, _ -> Response in
            state.redirectsFollowed.withLock { $0 += 1 }
            return try await TestOpenIDProvider.redeem(request, state: state)
        }
        // Port 0: the kernel picks a free port as it binds. (A port found free beforehand could be
        // taken by a test running beside this one before the bind, and the server never started.)
        let (running, listening) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in listening.yield(channel.localAddress?.port ?? 0) })
        task = Task { try await app.runService() }
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let started = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for await port in running { return port }
                return 0
            }
            group.addTask {
                try await Task.sleep(for: .seconds(120))
                return 0
            }
            let first = try await group.next() ?? 0
            group.cancelAll()
            return first
        }
        guard started > 0 else { throw LoopbackPortError.notListening(0) }
        port = started
        issuer = "http://127.0.0.1:\(started)"
        state.issuer.withLock { [issuer] in $0 = issuer }
    }

    deinit {
        releaseHeldExchanges()
        task.cancel()
        let client = client
        Task { try? await client.shutdown() }
    }

    // MARK: What the test changes

    /// The clock the tokens' `iat` and `exp` follow (the console's, in the tests).
    func follow(clock: @escaping @Sendable () -> Date) {
        state.clock.withLock { $0 = clock }
    }

    var person: Person {
        get { state.person.withLock { $0 } }
        set { state.person.withLock { $0 = newValue } }
    }

    /// What is wrong with the next tokens (`.none`: nothing).
    var defect: Defect {
        get { state.defect.withLock { $0 } }
        set { state.defect.withLock { $0 = newValue } }
    }

    var jwksFetches: Int { state.jwksFetches.withLock { $0 } }
    var discoveryFetches: Int { state.discoveryFetches.withLock { $0 } }
    var refusedExchanges: Int { state.refusedExchanges.withLock { $0 } }
    /// Requests that reached an address only a redirect named.
    var redirectsFollowed: Int { state.redirectsFollowed.withLock { $0 } }

    /// Codes issued while set are redeemed only once ``releaseHeldExchanges()`` is called: a
    /// provider slow to answer some token requests.
    var holdsExchanges: Bool {
        get { state.holdsExchanges.withLock { $0 } }
        set { state.holdsExchanges.withLock { $0 = newValue } }
    }

    /// How many held exchanges are waiting at the token endpoint now.
    var heldExchanges: Int { state.held.withLock { $0.count } }

    /// Answers every held exchange, and those yet to come.
    func releaseHeldExchanges() {
        let waiting = state.held.withLock { held in
            defer { held.waiting = nil }
            return held.waiting ?? []
        }
        for continuation in waiting { continuation.resume() }
    }

    /// A new signing key with a new id; the old one is no longer published.
    func rotateKey() {
        state.keys.withLock { keys in
            keys = [SigningKey(kid: "key-\(keys.count + 1)-\(UUID().uuidString.prefix(8))", key: ES256PrivateKey())]
        }
    }

    /// Plays the browser at the provider: follows the console's redirect to `/authorize` and
    /// returns where the provider sends the browser back (the console's callback, path and query).
    func authorize(_ location: String) async throws -> String {
        let response = try await client.execute(HTTPClientRequest(url: location), timeout: .seconds(30))
        guard response.status.code == 302, let back = response.headers.first(name: "location"),
            let components = URLComponents(string: back)
        else { throw TestOpenIDProviderError.noRedirect(Int(response.status.code)) }
        return components.path + "?" + (components.percentEncodedQuery ?? "")
    }

    // MARK: Tokens

    /// The token endpoint: checks the client secret, the code's redirect URL and the PKCE
    /// verifier, and answers the ID token (once released, for a held code).
    private static func redeem(_ request: Request, state: State) async throws -> Response {
        let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
        var form: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        let expected = "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
        let grant = form["code"].flatMap { code in state.grants.withLock { $0.removeValue(forKey: code) } }
        if let grant, grant.held {
            state.held.withLock { $0.count += 1 }
            await withCheckedContinuation { continuation in
                let waits = state.held.withLock { held -> Bool in
                    guard held.waiting != nil else { return false }
                    held.waiting?.append(continuation)
                    return true
                }
                if !waits { continuation.resume() }
            }
            state.held.withLock { $0.count -= 1 }
        }
        guard request.headers[.authorization] == expected, form["grant_type"] == "authorization_code",
            let grant, form["redirect_uri"] == grant.redirectURI, let verifier = form["code_verifier"],
            challenge(verifier) == grant.challenge
        else {
            state.refusedExchanges.withLock { $0 += 1 }
            return json(["error": "invalid_grant"], status: .badRequest)
        }
        let now = state.clock.withLock { $0 }()
        let issuer = state.issuer.withLock { $0 }
        let token = try await idToken(for: grant, issuer: issuer, state: state, now: now)
        return json(["id_token": token, "token_type": "Bearer", "access_token": "opaque", "expires_in": 300])
    }

    /// One audience as a string, several as an array (both are what OpenID Connect allows).
    struct Audience: Codable {
        let values: [String]

        init(_ values: [String]) { self.values = values }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let several = try? container.decode([String].self) {
                values = several
            } else {
                values = [try container.decode(String.self)]
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            if values.count == 1 { try container.encode(values[0]) } else { try container.encode(values) }
        }
    }

    struct IDToken: JWTPayload {
        let iss: String
        let sub: String
        let aud: Audience
        let azp: String?
        let exp: Int
        let iat: Int
        let nbf: Int?
        let nonce: String
        let preferred_username: String?
        let email: String?
        let groups: [String]

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private static func idToken(for grant: Grant, issuer: String, state: State, now: Date) async throws -> String {
        let defect = state.defect.withLock { $0 }
        let seconds = Int(now.timeIntervalSince1970)
        let claims = IDToken(
            iss: defect == .wrongIssuer ? "http://127.0.0.1:1" : issuer, sub: grant.person.subject,
            aud: Audience(
                defect == .wrongAudience
                    ? ["another-client"] : defect == .foreignAuthorizedParty ? [clientID, "another-client"] : [clientID]),
            azp: defect == .foreignAuthorizedParty ? "another-client" : nil,
            exp: defect == .expired ? seconds - 600 : seconds + 300, iat: defect == .expired ? seconds - 900 : seconds,
            nbf: defect == .notYetValid ? seconds + 600 : nil,
            nonce: defect == .wrongNonce ? "not-the-nonce" : grant.nonce,
            preferred_username: grant.person.preferredUsername, email: grant.person.email, groups: grant.person.groups)
        let signing = defect == .unknownKey
            ? SigningKey(kid: "never-published", key: ES256PrivateKey()) : state.keys.withLock { $0[0] }
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: signing.key, kid: JWKIdentifier(string: signing.kid))
        let token = try await keys.sign(claims, kid: JWKIdentifier(string: signing.kid))
        guard defect == .tamperedSignature else { return token }
        // Change one character in the middle of the signature (not its last, whose low bits
        // may be padding).
        var parts = token.split(separator: ".").map(String.init)
        var signature = Array(parts[2])
        let index = signature.count / 2
        signature[index] = signature[index] == "A" ? "B" : "A"
        parts[2] = String(signature)
        return parts.joined(separator: ".")
    }

    static func challenge(_ verifier: String) -> String {
        Data(SHA256.hash(data: Array(verifier.utf8))).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    private static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

enum TestOpenIDProviderError: Error {
    case noRedirect(Int)
}
