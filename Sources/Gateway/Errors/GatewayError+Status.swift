extension GatewayError.Kind {
    /// The HTTP status each kind is answered with (the console's pages; the API's twin mapping,
    /// `ErrorResponse.status(of:)` in Server, keeps the reason phrases beside the codes).
    public var statusCode: Int {
        switch self {
        case .invalidRequest: 400
        case .unauthenticated: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .payloadTooLarge: 413
        case .rateLimited, .quotaExhausted: 429
        case .unsupportedMediaType: 415
        case .badGateway: 502
        case .gatewayTimeout: 504
        case .unavailable: 503
        case .internalFailure: 500
        case .clientClosed: 499
        }
    }
}
