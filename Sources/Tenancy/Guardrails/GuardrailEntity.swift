/// A kind of personal data or secret the guardrails recognize. The raw value is the profile's
/// key (`"guardrails": {"pii": {"email": "redact"}}`) and the metric label.
public enum GuardrailEntity: String, Sendable, Hashable, CaseIterable, Codable {
    case email
    case phone
    case iban
    case paymentCard = "payment_card"
    case ipAddress = "ip_address"
    /// US SSN, German tax id (Steuer-IdNr, check digit), UK National Insurance number.
    case nationalID = "national_id"
    /// AWS access keys, private-key blocks, JWTs, Atrium `atr_` keys.
    case secret

    /// The word in its placeholders: `[EMAIL_1]`, `[PAYMENT_CARD_2]`.
    public var label: String { rawValue.uppercased() }

    /// How a refusal names it (never the value).
    public var displayName: String {
        switch self {
        case .email: "an email address"
        case .phone: "a phone number"
        case .iban: "an IBAN"
        case .paymentCard: "a payment card number"
        case .ipAddress: "an IP address"
        case .nationalID: "a national identification number"
        case .secret: "a secret or API key"
        }
    }
}

/// What the guardrails do with a recognized entity or a custom pattern's match.
public enum GuardrailAction: String, Sendable, Hashable, CaseIterable, Codable {
    /// Passes unchanged.
    case allow
    /// Replaced by a typed placeholder (`[EMAIL_1]`), the same one for the same value within a request.
    case redact
    /// The request is refused (400 naming the type); in an answer, the answer stops there.
    case block
}

/// What prompt-injection screening does with text that reads as an injection.
public enum InjectionAction: String, Sendable, Hashable, CaseIterable, Codable {
    case off
    /// Let it through; count it and raise an alert.
    case flag
    /// Leave the retrieved chunk out of the prompt (and flag it). Retrieved text only.
    case dropChunk = "drop_chunk"
    /// Refuse the request (400).
    case block
}
