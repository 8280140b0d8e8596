import Gateway
import Hummingbird

extension Parameters {
    /// The path parameter `name`, percent-decoded, so that names with a slash or a space can be
    /// addressed (`/v1/admin/teams/acme%2Fsales`); one that does not decode, or decodes to
    /// nothing, is a 400 naming it. Every API route reads its path parameters here.
    func decoded(_ name: String) throws -> String {
        let raw = try require(name)
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw GatewayError.invalid("The path parameter '\(name)' is not valid", param: name)
        }
        return decoded
    }
}
