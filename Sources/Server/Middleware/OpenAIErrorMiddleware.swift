import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import Store
import Logging

/// Answers every error in the OpenAI shape — the gateway's own, malformed JSON, and
/// Hummingbird's (unknown route, body too large) — and stamps every response with
/// `x-request-id`. Faults of the server are logged by type alone (never a description that
/// could quote request content or a stored row) and answered
/// 500 with no detail; a store that is unavailable is logged with the store's own words for it
/// (`cannot write …/atrium.sqlite: the disk is full`) and answered 503 with `Retry-After`.
///
/// Every response that does not set its own (the console's pages do) also gets a policy that
/// lets a browser run, load or frame nothing of it, and no MIME sniffing: an API answer or an
/// error for a mistyped console address — text a tenant chose, echoed — is never a page.
struct OpenAIErrorMiddleware: RouterMiddleware {
    typealias Context = AtriumRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let failure = Self.gatewayError(for: error)
            let logger = context.requestLogger
            if failure.kind == .internalFailure {
                // Never the error's own description: it can quote what it was about (a database
                // error quotes its statement's arguments: a key row, a prompt).
                logger.error("request failed", metadata: ["error": .string(StoreError.diagnosis(of: error))])
            } else if let problem = GatewayError.storeProblem(in: error) {
                // The operator's to fix (a full disk, PostgreSQL down).
                logger.error("store unavailable", metadata: ["store.problem": .string(problem)])
            } else {
                logger.debug("request refused", metadata: ["error.code": .string(failure.code)])
            }
            response = ErrorResponse.response(for: failure)
        }
        response.headers[.requestID] = context.requestID
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        if response.headers[.contentTypeOptions] == nil { response.headers[.contentTypeOptions] = "nosniff" }
        return response
    }

    static func gatewayError(for error: any Error) -> GatewayError {
        switch error {
        case let error as HTTPError:
            return gatewayError(for: error)
        case let error as DecodingError:
            return JSONBody.describe(error)
        case is NIOTooManyBytesError:
            return GatewayError(.payloadTooLarge, "The request body is larger than the server accepts", code: "body_too_large")
        case is HTTPParserError:
            // The body broke HTTP's framing (a chunk size that is not hex, a body cut short):
            // the client's fault, not the server's.
            return GatewayError(.invalidRequest, "The request is not well-formed HTTP", code: "malformed_request")
        default:
            return GatewayError.from(error)
        }
    }

    private static func gatewayError(for error: HTTPError) -> GatewayError {
        switch error.status {
        case .notFound:
            return GatewayError(.notFound, "No route matches this method and path", code: "route_not_found")
        case .contentTooLarge:
            return GatewayError(.payloadTooLarge, "The request body is larger than the server accepts", code: "body_too_large")
        case .badRequest:
            return .invalid(error.body ?? "The request is malformed")
        case .unauthorized:
            return .denied(.missingKey)
        default:
            if (400..<500).contains(error.status.code) {
                return .invalid(error.body ?? error.status.reasonPhrase)
            }
            return GatewayError(.internalFailure, "the server could not complete the request", code: "server_error")
        }
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("x-request-id")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
}
