import Foundation
import Gateway
import Hummingbird
import NIOCore

/// `{"error": {"message", "type", "code", "param"}}` — the OpenAI error shape, for every
/// error Atrium answers.
struct ErrorResponse: Encodable {
    struct Body: Encodable {
        let message: String
        let type: String
        let code: String
        let param: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message, forKey: .message)
            try container.encode(type, forKey: .type)
            try container.encode(code, forKey: .code)
            try container.encode(param, forKey: .param)
        }

        enum CodingKeys: String, CodingKey { case message, type, code, param }
    }

    let error: Body

    init(_ failure: GatewayError) {
        error = Body(message: failure.message, type: Self.type(of: failure.kind), code: failure.code, param: failure.param)
    }

    static func response(for failure: GatewayError) -> Response {
        let body = (try? JSONOutput.encode(ErrorResponse(failure))) ?? ByteBuffer(string: #"{"error":{}}"#)
        var headers: HTTPFields = [.contentType: "application/json"]
        if failure.kind == .unauthenticated { headers[.wwwAuthenticate] = "Bearer" }
        if let seconds = failure.retryAfter { headers[.retryAfter] = String(seconds) }
        return Response(status: status(of: failure.kind), headers: headers, body: .init(byteBuffer: body))
    }

    static func status(of kind: GatewayError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .invalidRequest: .badRequest
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .rateLimited, .quotaExhausted: .tooManyRequests
        case .unsupportedMediaType: .unsupportedMediaType
        case .badGateway: .badGateway
        case .gatewayTimeout: .gatewayTimeout
        case .unavailable: .serviceUnavailable
        case .internalFailure: .internalServerError
        case .clientClosed: HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")
        }
    }

    /// OpenAI's error `type` for each kind.
    static func type(of kind: GatewayError.Kind) -> String {
        switch kind {
        case .invalidRequest, .notFound, .conflict, .payloadTooLarge, .unsupportedMediaType: "invalid_request_error"
        case .unauthenticated: "authentication_error"
        case .forbidden: "permission_error"
        case .badGateway, .gatewayTimeout, .unavailable: "upstream_error"
        case .internalFailure: "server_error"
        case .clientClosed: "client_closed"
        case .rateLimited: "rate_limit_exceeded"
        case .quotaExhausted: "insufficient_quota"
        }
    }
}
