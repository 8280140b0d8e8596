import Foundation
import JWTKit

/// An ID token's claims, kept as JSON values: the groups claim's name is configurable, and the
/// console reads only the few claims it checks. Verification of the claims is
/// ``OpenIDProvider``'s (it knows the issuer, audience, time and nonce); `verify(using:)` has
/// nothing of its own to add.
struct IDTokenClaims: JWTPayload {
    let claims: [String: ClaimValue]

    init(claims: [String: ClaimValue]) { self.claims = claims }

    init(from decoder: any Decoder) throws {
        claims = try decoder.singleValueContainer().decode([String: ClaimValue].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(claims)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}

    func string(_ name: String) -> String? {
        guard case let .string(value) = claims[name] else { return nil }
        return value
    }

    func number(_ name: String) -> Double? {
        guard case let .number(value) = claims[name] else { return nil }
        return value
    }

    /// A claim that is a string or an array of strings (`aud`, groups); other members ignored.
    func strings(_ name: String) -> [String] {
        switch claims[name] {
        case let .string(value): [value]
        case let .array(values):
            values.compactMap { element -> String? in
                guard case let .string(value) = element else { return nil }
                return value
            }
        default: []
        }
    }
}

/// One JSON value of a claim.
indirect enum ClaimValue: Codable, Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([ClaimValue])
    case object([String: ClaimValue])
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ClaimValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ClaimValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .bool(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}
