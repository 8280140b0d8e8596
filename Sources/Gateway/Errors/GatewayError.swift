import Retrieval
import Store
import Tenancy

/// A refused or failed request, as the client is told: a kind (which the server turns into an
/// HTTP status), a message naming the problem, a stable code, and the field at fault.
///
/// Messages never contain key material or prompt text.
public struct GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// 400: the request is malformed or names an impossible value.
        case invalidRequest
        /// 401: no key, or a key that does not work (unknown, expired, revoked).
        case unauthenticated
        /// 403: the key works but may not do this.
        case forbidden
        /// 404: no such thing — or another tenant's, which is never revealed.
        case notFound
        /// 409: the name is taken.
        case conflict
        /// 413: the body is over the limit.
        case payloadTooLarge
        /// 429 `rate_limit_exceeded`: over a rate or concurrency limit, or from a blocked
        /// address; ``GatewayError/retryAfter`` says when to try again.
        case rateLimited
        /// 429 `insufficient_quota`: the team's monthly token budget is used up.
        case quotaExhausted
        /// 415: a document in a format Atrium does not read, or binary where text was expected.
        case unsupportedMediaType
        /// 502: the model backend failed.
        case badGateway
        /// 504: the model backend did not answer in time.
        case gatewayTimeout
        /// 503: the server cannot serve now (starting, stopping, storage failing).
        case unavailable
        /// 500: a fault of the server itself, never of the input (the server logs it).
        case internalFailure
        /// 499 (nginx's "client closed request"): the request was cancelled — its client hung
        /// up — before it was answered. Nothing reaches the client; the audit records it.
        case clientClosed
    }

    public let kind: Kind
    public let message: String
    /// A stable machine-readable code (`invalid_api_key`, `cross_team_attempt`, `model_not_found`).
    public let code: String
    /// The request field at fault, when one is.
    public let param: String?
    /// Whole seconds until a 429 would be lifted, or a 503 is worth trying again (the
    /// `Retry-After` header).
    public let retryAfter: Int?

    /// The `Retry-After` of a store that is unavailable: a guess, since nothing here knows
    /// when the disk is freed or the database is back; short enough that clients come back soon.
    public static let storageRetrySeconds = 5

    public init(_ kind: Kind, _ message: String, code: String, param: String? = nil, retryAfter: Int? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
        self.param = param
        self.retryAfter = retryAfter
    }

    public var description: String { message }

    /// A malformed field.
    public static func invalid(_ message: String, param: String? = nil) -> GatewayError {
        GatewayError(.invalidRequest, message, code: "invalid_request", param: param)
    }

    /// Something addressed that does not exist, or is not the caller's to see.
    public static func notFound(_ kind: String, _ address: String) -> GatewayError {
        GatewayError(.notFound, "\(kind) '\(address)' not found", code: "not_found")
    }

    /// A refused key or a policy denial. Cross-tenant denials about a named team or another
    /// organization are 404s, so a key never learns that another tenant's ids exist.
    public static func denied(_ reason: DenialReason, hiding address: String? = nil) -> GatewayError {
        if reason.isAuthenticationFailure {
            let code = reason == .missingKey ? "missing_api_key" : "invalid_api_key"
            return GatewayError(.unauthenticated, Self.sentence(reason.description), code: code)
        }
        switch reason {
        case .crossTenant where address != nil:
            return .notFound("resource", address!)
        case .actionDoesNotApply, .roleDoesNotFitBinding:
            return GatewayError(.invalidRequest, Self.sentence(reason.description), code: reason.rawValue)
        default:
            return GatewayError(.forbidden, Self.sentence(reason.description), code: reason.rawValue)
        }
    }

    /// The client-facing form of a store error.
    public static func from(_ error: StoreError) -> GatewayError {
        switch error {
        case let .notFound(kind, address): .notFound(kind, address)
        case .nameTaken: GatewayError(.conflict, error.description, code: "name_taken")
        case let .invalidValue(field, _): .invalid(error.description, param: field)
        case .corruptRow: GatewayError(.unavailable, "the database holds an unreadable record", code: "storage_error")
        case .unavailable:
            // Temporary (PostgreSQL restarting, a full disk, a lock held too long): nothing was
            // half-written, so the same request may be sent again.
            GatewayError(
                .unavailable, "the database is unavailable", code: "storage_unavailable",
                retryAfter: storageRetrySeconds)
        case .notYetSupported:
            GatewayError(.unavailable, "the database is unavailable", code: "storage_unavailable")
        }
    }

    /// Why the store is unavailable, when `error` says it is, for the process log: the store's
    /// own words, naming the file or server and the cause (`cannot write …/atrium.sqlite: the
    /// disk is full`), never a statement or its values. Nil for any other error.
    public static func storeProblem(in error: any Error) -> String? {
        guard case let .unavailable(problem)? = error as? StoreError else { return nil }
        return problem
    }

    /// At most 300 characters of an engine's message, control characters left out.
    static func line(of message: String) -> String {
        var line = String.UnicodeScalarView()
        for scalar in message.unicodeScalars where scalar.properties.generalCategory != .control {
            guard line.count < 300 else { break }
            line.append(scalar)
        }
        return String(line)
    }

    /// The client-facing form of a backend failure.
    public static func from(_ error: BackendError) -> GatewayError {
        switch error {
        case .timedOut: GatewayError(.gatewayTimeout, error.description, code: "upstream_timeout")
        case let .invalidRequest(_, param): .invalid(error.description, param: param)
        case .busy: GatewayError(.unavailable, error.description, code: "server_overloaded", retryAfter: 1)
        case .withdrawn: GatewayError(.clientClosed, error.description, code: "client_closed")
        case .rejected(status: 429, _), .rejected(status: 503, _):
            GatewayError(.unavailable, error.description, code: "upstream_busy")
        case let .rejected(status, message) where (400..<500).contains(status) && status != 401 && status != 403:
            // About the request (a context exceeded): the client needs the engine's words — a
            // line of them, without control characters.
            .invalid(BackendError.rejected(status: status, message: Self.line(of: message)).description)
        case let .rejected(status, _):
            // The engine's own failure (a 5xx, an error event mid-stream): its words describe
            // the engine — hosts, paths, models — not the request, so the client gets none.
            GatewayError(.badGateway, "the model backend failed (HTTP \(status))", code: "upstream_error")
        default: GatewayError(.badGateway, error.description, code: "upstream_error")
        }
    }

    /// Any error a stage threw, in client-facing form. Unknown errors are faults of the server:
    /// a 500 that names no internals (the server logs them).
    public static func from(_ error: any Error) -> GatewayError {
        switch error {
        case let error as GatewayError: error
        case let error as AccessDenied: .denied(error.reason)
        case let error as AuthenticationFailure: .denied(error.reason)
        case let error as StoreError: .from(error)
        case let error as BackendError: .from(error)
        case let error as ProfileError: .invalid(error.description, param: error.field)
        case let error as DirectoryError: .invalid(error.description, param: "name")
        case let error as KeyFormatError: .invalid(error.description)
        case let error as LoadingError: .from(error)
        case let error as KnowledgeError: .from(error)
        case is CancellationError: GatewayError(.clientClosed, "the request was cancelled: its client went away", code: "client_closed")
        default: GatewayError(.internalFailure, "the server could not complete the request", code: "server_error")
        }
    }

    private static func sentence(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }
}
