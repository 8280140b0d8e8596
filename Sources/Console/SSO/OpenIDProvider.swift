import AsyncHTTPClient
import Crypto
import Foundation
import Gateway
import JWTKit
import NIOCore
import Tenancy

/// The console's side of one OpenID Connect provider: discovery, the token exchange and ID
/// token verification (jwt-kit, against the provider's JWKS).
///
/// Discovery and keys are fetched on first use and kept. A token signed with a key id the
/// console does not know makes it fetch the JWKS once more — at most once per
/// ``SingleSignOnConfiguration/keyRefreshInterval`` — so a provider's key rotation is followed
/// without letting a stream of forged key ids hammer the provider.
actor OpenIDProvider {
    /// What discovery says (`/.well-known/openid-configuration`).
    struct Metadata: Decodable, Sendable {
        let issuer: String
        let authorizationEndpoint: String
        let tokenEndpoint: String
        let jwksURI: String
        /// The algorithms the provider signs ID tokens with (required by OpenID Connect
        /// Discovery; a provider that leaves it out gets the default, RS256).
        let idTokenSigningAlgorithms: [String]?

        enum CodingKeys: String, CodingKey {
            case issuer
            case authorizationEndpoint = "authorization_endpoint"
            case tokenEndpoint = "token_endpoint"
            case jwksURI = "jwks_uri"
            case idTokenSigningAlgorithms = "id_token_signing_alg_values_supported"
        }

        /// The algorithms an ID token's header may name: those the provider says it signs
        /// with, and only public-key ones — never `none`, nor an HMAC whose secret would be
        /// the client secret (OpenID Connect Core §3.1.3.7, steps 6–7).
        var acceptedAlgorithms: Set<String> {
            Set(idTokenSigningAlgorithms ?? ["RS256"]).intersection(OpenIDProvider.publicKeyAlgorithms)
        }
    }

    /// The JWS algorithms verified with a provider's published keys.
    static let publicKeyAlgorithms: Set<String> = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    ]

    /// The largest discovery, JWKS or token answer read, and the longest ID token accepted.
    static let maximumResponseBytes = 1 << 20
    static let maximumTokenBytes = 16 << 10
    static let maximumGroups = 1_000

    let configuration: SingleSignOnConfiguration
    private let client: HTTPClient
    private let now: @Sendable () -> Date
    private var metadata: Metadata?
    private var discoveryFailedAt: Date?
    /// Seconds a failed discovery is not tried again.
    static let discoveryRetryInterval: TimeInterval = 10
    private var keys: JWTKeyCollection?
    private var keysFetchedAt: Date?
    /// The key ids the provider published at the last fetch.
    private var knownKeyIDs: Set<String> = []

    /// The client every provider request goes through, made once for the process (like
    /// `HTTPClient.shared`, never shut down). Not the shared one: that holds 8 connections to a
    /// host, so eight hanging token exchanges had queued every other sign-in behind them for
    /// their whole 10 s (probe 5); this holds 64, each request ending at its own deadline
    /// (``send(_:check:)``), and its connection with it. And it follows no redirect: discovery's
    /// endpoints are held to https or loopback (``SingleSignOnConfiguration/isAllowedURL(_:)``),
    /// which a redirect would escape — a token endpoint's 307 re-sent the code and the PKCE
    /// verifier to wherever it named. A redirect is the provider's failure, like any answer
    /// but the one asked for.
    static let client: HTTPClient = {
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    init(
        configuration: SingleSignOnConfiguration, client: HTTPClient = OpenIDProvider.client,
        now: @escaping @Sendable () -> Date
    ) {
        self.configuration = configuration
        self.client = client
        self.now = now
    }

    /// Discovery, fetched once; its `issuer` must be the configured one (OpenID Connect
    /// Discovery §4.3), or a provider could speak for another.
    func discovery() async throws(SingleSignOnFailure) -> Metadata {
        if let metadata { return metadata }
        // A failed discovery is remembered a while: sign-in starts need no credential, so
        // each one must not send the provider another request.
        if let failedAt = discoveryFailedAt, now().timeIntervalSince(failedAt) < Self.discoveryRetryInterval {
            throw .provider("sso.discovery")
        }
        do throws(SingleSignOnFailure) {
            let base =
                configuration.issuer.hasSuffix("/") ? String(configuration.issuer.dropLast()) : configuration.issuer
            let body = try await fetch(base + "/.well-known/openid-configuration", check: "sso.discovery")
            guard let found = try? JSONDecoder().decode(Metadata.self, from: body), found.issuer == configuration.issuer,
                [found.authorizationEndpoint, found.tokenEndpoint, found.jwksURI].allSatisfy(
                    SingleSignOnConfiguration.isAllowedURL)
            else { throw .provider("sso.discovery") }
            metadata = found
            return found
        } catch {
            discoveryFailedAt = now()
            throw error
        }
    }

    /// The URL that sends the browser to the provider: code flow, PKCE S256, state and nonce.
    func authorizationURL(state: String, attempt: SignInAttempts.Attempt) async throws(SingleSignOnFailure) -> String {
        let metadata = try await discovery()
        var components = URLComponents(string: metadata.authorizationEndpoint)
        var items = components?.queryItems ?? []
        items += [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: configuration.clientID),
            URLQueryItem(name: "redirect_uri", value: attempt.redirectURL),
            URLQueryItem(name: "scope", value: "openid profile email"),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "nonce", value: attempt.nonce),
            URLQueryItem(name: "code_challenge", value: Self.challenge(for: attempt.verifier)),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        components?.queryItems = items
        // `+` is legal in a query but read as a space by form decoders.
        let query = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components?.percentEncodedQuery = query
        guard let url = components?.url?.absoluteString else { throw .provider("sso.discovery") }
        return url
    }

    /// Exchanges `code` (with the attempt's PKCE verifier and the client's secret, HTTP Basic)
    /// for the provider's answer and returns its ID token.
    func exchange(code: String, attempt: SignInAttempts.Attempt) async throws(SingleSignOnFailure) -> String {
        let metadata = try await discovery()
        let form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", attempt.redirectURL),
            ("code_verifier", attempt.verifier), ("client_id", configuration.clientID),
        ].map { "\($0.0)=\(Self.formEncoded($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: metadata.tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let credentials = "\(Self.formEncoded(configuration.clientID)):\(Self.formEncoded(configuration.clientSecret))"
        request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        request.body = .bytes(ByteBuffer(string: form))
        let (status, body) = try await send(request, check: "sso.token_exchange")
        struct TokenAnswer: Decodable {
            let idToken: String?
            let error: String?
            enum CodingKeys: String, CodingKey {
                case idToken = "id_token"
                case error
            }
        }
        let answer = try? JSONDecoder().decode(TokenAnswer.self, from: body)
        guard status == 200 else {
            throw Self.refusesCode(status: status, error: answer?.error) ? .codeRefused : .provider("sso.token_exchange")
        }
        guard let token = answer?.idToken else { throw .provider("sso.token_exchange") }
        return token
    }

    /// Whether a token endpoint's error answer refuses the code the callback brought (RFC 6749
    /// §5.2: 400, `invalid_grant` or `invalid_request`) rather than the console itself — its
    /// client id or secret (`invalid_client`, `unauthorized_client`, or 401), or a provider
    /// that is throttling or failing (429, 5xx). Only the first is the caller's doing: counting
    /// the others would block the address of everyone signing in while the console is
    /// misconfigured or the provider is down.
    static func refusesCode(status: UInt, error: String?) -> Bool {
        status == 400 && !["invalid_client", "unauthorized_client"].contains(error)
    }

    /// Verifies the ID token — signature against the provider's keys, `iss`, `aud` (and `azp`),
    /// `exp`, `iat` and `nbf` (with ``SingleSignOnConfiguration/clockLeeway``), `nonce` — and returns who it names.
    func verify(idToken: String, nonce: String) async throws(SingleSignOnFailure) -> ExternalIdentity {
        guard idToken.utf8.count <= Self.maximumTokenBytes else { throw .token("sso.malformed") }
        let claims = try await verifiedSignature(idToken)
        let instant = now().timeIntervalSince1970
        guard claims.string("iss") == configuration.issuer else { throw .token("sso.issuer") }
        let audience = claims.strings("aud")
        guard audience.contains(configuration.clientID) else { throw .token("sso.audience") }
        // The authorized party, when present or when the token has several audiences, must be
        // this console (OpenID Connect Core §3.1.3.7).
        if audience.count > 1 || claims.claims["azp"] != nil, claims.string("azp") != configuration.clientID {
            throw .token("sso.audience")
        }
        guard let expiry = claims.number("exp"), instant < expiry + configuration.clockLeeway else {
            throw .token("sso.expired")
        }
        guard let issued = claims.number("iat"), issued <= instant + configuration.clockLeeway else {
            throw .token("sso.issued_at")
        }
        if claims.claims["nbf"] != nil {
            guard let notBefore = claims.number("nbf"), notBefore <= instant + configuration.clockLeeway else {
                throw .token("sso.not_yet_valid")
            }
        }
        guard let presented = claims.string("nonce"), ConstantTime.equals(Array(presented.utf8), Array(nonce.utf8))
        else { throw .token("sso.nonce") }
        guard let subject = claims.string("sub"), !subject.isEmpty, subject.utf8.count <= 255 else {
            throw .token("sso.subject")
        }
        let groups = claims.strings(configuration.groupsClaim).prefix(Self.maximumGroups).filter {
            !$0.isEmpty && $0.count <= ExternalIdentity.maximumGroupLength
        }
        return ExternalIdentity(
            issuer: configuration.issuer, subject: subject,
            preferredName: claims.string("preferred_username") ?? claims.string("name"), email: claims.string("email"),
            groups: Array(groups))
    }

    /// The token's claims once its signature checks out. The token must be signed with an
    /// algorithm the provider announced (jwt-kit takes the one its key names), and name a key
    /// the provider publishes (jwt-kit would try its default key for an unknown id); an unknown
    /// id fetches the keys again, rate-limited, and is refused if still unknown.
    private func verifiedSignature(_ token: String) async throws(SingleSignOnFailure) -> IDTokenClaims {
        guard let header = Self.header(of: token) else { throw .token("sso.malformed") }
        guard let algorithm = header.alg, try await discovery().acceptedAlgorithms.contains(algorithm) else {
            throw .token("sso.algorithm")
        }
        var keys = try await currentKeys(refresh: false)
        if let kid = header.kid, !knownKeyIDs.contains(kid) {
            guard let fetchedAt = keysFetchedAt,
                now().timeIntervalSince(fetchedAt) >= configuration.keyRefreshInterval
            else { throw .token("sso.unknown_key") }
            keys = try await currentKeys(refresh: true)
            guard knownKeyIDs.contains(kid) else { throw .token("sso.unknown_key") }
        } else if header.kid == nil, knownKeyIDs.count > 1 {
            throw .token("sso.unknown_key")
        }
        do {
            return try await keys.verify(token, as: IDTokenClaims.self)
        } catch {
            throw Self.failure(of: error)
        }
    }

    /// The JOSE header's algorithm and key id, if the token has a readable header at all.
    private struct Header: Decodable {
        let alg: String?
        let kid: String?
    }

    private static func header(of token: String) -> Header? {
        guard let first = token.split(separator: ".", omittingEmptySubsequences: false).first else { return nil }
        var base64 = first.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONDecoder().decode(Header.self, from: data)
    }

    private static func failure(of error: any Error) -> SingleSignOnFailure {
        guard let error = error as? JWTError else { return .token("sso.malformed") }
        switch error.errorType {
        case .unknownKID, .missingKIDHeader: return .token("sso.unknown_key")
        case .malformedToken: return .token("sso.malformed")
        default: return .token("sso.signature")
        }
    }

    private func currentKeys(refresh: Bool) async throws(SingleSignOnFailure) -> JWTKeyCollection {
        if !refresh, let keys { return keys }
        let metadata = try await discovery()
        keysFetchedAt = now()
        let body = try await fetch(metadata.jwksURI, check: "sso.jwks")
        let collection = JWTKeyCollection()
        do {
            let jwks = try JSONDecoder().decode(JWKS.self, from: body)
            _ = try await collection.add(jwks: jwks)
            knownKeyIDs = Set(jwks.keys.compactMap { $0.keyIdentifier?.string })
        } catch {
            throw .provider("sso.jwks")
        }
        keys = collection
        return collection
    }

    /// A discovery or JWKS document: only a 200 answer is one.
    private func fetch(_ url: String, check: String) async throws(SingleSignOnFailure) -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let (status, body) = try await send(request, check: check)
        guard status == 200 else { throw .provider(check) }
        return body
    }

    /// The provider's answer, its status and body; `check` failed when none came.
    private func send(_ request: HTTPClientRequest, check: String) async throws(SingleSignOnFailure)
        -> (status: UInt, body: Data)
    {
        do {
            // One deadline for the head and the body: a provider that answers at once and then
            // drips its body holds a sign-in 10 s at most.
            let deadline = NIODeadline.now() + .seconds(10)
            let response = try await client.execute(request, deadline: deadline)
            let body = try await response.body.collect(upTo: Self.maximumResponseBytes, before: deadline)
            return (response.status.code, Data(body.readableBytesView))
        } catch {
            throw .provider(check)
        }
    }

    /// PKCE's S256: base64url(SHA-256(verifier)).
    static func challenge(for verifier: String) -> String {
        Data(SHA256.hash(data: Array(verifier.utf8))).base64URLEncoded
    }

    /// `application/x-www-form-urlencoded` for one value (also what HTTP Basic of OAuth asks).
    static func formEncoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

extension Data {
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
