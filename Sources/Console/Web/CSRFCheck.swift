import Gateway
import HTTPTypes
import Hummingbird
import Tenancy

/// The CSRF rule of every state-changing console request: it carries the token derived from
/// its own session (``ConsoleSessions/csrfToken(for:)``) in the form field `csrf` or the
/// header `X-CSRF-Token`. Another site can neither read the token (the pages are not
/// framable and not readable cross-origin) nor send the cookie (`SameSite=Strict`): both
/// would have to fail for a forged request to pass.
enum CSRFCheck {
    static let header = HTTPField.Name("X-CSRF-Token")!

    static func verify(_ request: Request, form: FormBody, sessionToken: String) throws {
        let presented = try request.headers[header] ?? form.value("csrf") ?? ""
        let expected = ConsoleSessions.csrfToken(for: sessionToken)
        guard ConstantTime.equals(Array(presented.utf8), Array(expected.utf8)) else { throw ConsoleFailure.csrf }
    }
}
