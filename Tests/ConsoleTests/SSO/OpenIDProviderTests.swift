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
}
