import Foundation
import Testing

@testable import Console

/// The provider client's rules that need no provider (the rest run against
/// ``TestOpenIDProvider`` in ``SingleSignOnTests``).
@Suite struct OpenIDProviderTests {
    /// Only a refusal of the callback's code counts against its address: one of the console's
    /// own client credentials (a misconfigured secret), or a throttling or failing provider,
    /// would otherwise block everyone signing in from one office's address.
    @Test(arguments: [
        (400, "invalid_grant", true), (400, "invalid_request", true), (400, nil, true),
        (400, "invalid_client", false), (400, "unauthorized_client", false), (401, "invalid_client", false),
        (401, "invalid_grant", false), (429, nil, false), (500, nil, false), (503, "temporarily_unavailable", false),
    ] as [(UInt, String?, Bool)])
    func onlyARefusedCodeCountsAgainstTheAddress(status: UInt, error: String?, counts: Bool) {
        #expect(OpenIDProvider.refusesCode(status: status, error: error) == counts)
    }

    /// An ID token's `alg` must be one discovery announces (RS256 when it names none), and a
    /// public-key one: `none` and HMACs are never accepted, whatever discovery says.
    @Test(arguments: [
        (#"["RS256"]"#, ["RS256"]), (#"["ES256","RS256"]"#, ["ES256", "RS256"]), (nil, ["RS256"]),
        (#"["none","HS256","HS512","ES384"]"#, ["ES384"]), (#"["none"]"#, []), (#"[]"#, []),
    ] as [(String?, Set<String>)])
    func onlyAnnouncedPublicKeyAlgorithmsAreAccepted(announced: String?, accepted: Set<String>) throws {
        let field = announced.map { #","id_token_signing_alg_values_supported":\#($0)"# } ?? ""
        let discovery = #"{"issuer":"https://id.example","authorization_endpoint":"https://id.example/a","#
            + #""token_endpoint":"https://id.example/t","jwks_uri":"https://id.example/k"\#(field)}"#
        let metadata = try JSONDecoder().decode(OpenIDProvider.Metadata.self, from: Data(discovery.utf8))
        #expect(metadata.acceptedAlgorithms == accepted)
    }
}
