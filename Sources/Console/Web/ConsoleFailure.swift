import Gateway

/// A console request refused before or after the services: the HTTP status, a message fit
/// to show, and the form field it is about (shown next to that field).
struct ConsoleFailure: Error, Sendable {
    let status: Int
    let message: String
    let field: String?

    static func invalid(_ problem: String, field: String) -> ConsoleFailure {
        ConsoleFailure(
            status: 400, message: "\(field.replacingOccurrences(of: "_", with: " ")) \(problem)", field: field)
    }

    /// A state-changing request without this session's CSRF token.
    static let csrf = ConsoleFailure(
        status: 403, message: "This form has expired or did not come from the console; reload the page and try again.",
        field: nil)

    static let tooLarge = ConsoleFailure(status: 413, message: "The form is too large.", field: nil)

    /// What the services said, as the API would say it (same status, same message, same field).
    init(_ error: GatewayError) {
        self.init(status: error.kind.statusCode, message: error.message, field: error.param)
    }

    init(status: Int, message: String, field: String?) {
        self.status = status
        self.message = message
        self.field = field
    }

    /// Anything thrown by a service or the console itself.
    static func from(_ error: any Error) -> ConsoleFailure {
        if let failure = error as? ConsoleFailure { return failure }
        return ConsoleFailure(GatewayError.from(error))
    }
}
