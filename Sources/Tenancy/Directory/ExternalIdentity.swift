/// Who the identity provider says signed in, after the console verified its ID token.
public struct ExternalIdentity: Sendable, Hashable {
    /// The token's `iss`.
    public let issuer: String
    /// The token's `sub`: with the issuer, the person's stable key (names and emails change).
    public let subject: String
    /// A name to give a user made on first sign-in (`preferred_username`, `email`, …).
    public let preferredName: String?
    public let email: String?
    /// The token's groups claim.
    public let groups: [String]

    /// The longest group name kept (a longer one is ignored at sign-in, refused in a mapping).
    public static let maximumGroupLength = 256

    public init(issuer: String, subject: String, preferredName: String?, email: String?, groups: [String]) {
        self.issuer = issuer
        self.subject = subject
        self.preferredName = preferredName
        self.email = email
        self.groups = groups
    }
}
