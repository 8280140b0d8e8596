@testable import Gateway
import Tenancy
import Testing

/// Each detector alone, on valid values and on near misses that only look like them.
@Suite struct EntityDetectorTests {
    private func found(_ detector: any EntityDetector, _ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return detector.ranges(in: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test func emails() {
        #expect(found(EmailDetector(), "Write to jane.doe+news@mail.example.co.uk, or to bob@acme.io.")
            == ["jane.doe+news@mail.example.co.uk", "bob@acme.io"])
        #expect(found(EmailDetector(), "user@localhost, @handle, a@b.c, me at acme dot com, x@-bad-.com").isEmpty)
    }

    @Test func phones() {
        #expect(found(PhoneDetector(), "Call +49 30 1234567 or (555) 123-4567 or 555.123.4567 or +1-555-123-4567.")
            == ["+49 30 1234567", "(555) 123-4567", "555.123.4567", "+1-555-123-4567"])
        #expect(found(PhoneDetector(), "Order 12345678, on 2024-01-15, version 1.2.3, total 1,234,567, at 12:30.").isEmpty)
    }

    @Test func ibansNeedTheirCheckDigits() {
        #expect(found(IBANDetector(), "Pay DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432 now")
            == ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432"])
        #expect(found(IBANDetector(), "Not DE88 3704 0044 0532 0130 00 nor GB82WEST1234569876543").isEmpty)
        // Typed in lowercase or mixed case, the same accounts (and the same check).
        #expect(found(IBANDetector(), "pay de89 3704 0044 0532 0130 00 or gb82West12345698765432.")
            == ["de89 3704 0044 0532 0130 00", "gb82West12345698765432"])
        #expect(found(IBANDetector(), "not de88 3704 0044 0532 0130 00, nor ab12 3456 7890 1234 5678").isEmpty)
    }

    @Test func paymentCardsNeedLuhnAndAnIssuer() {
        #expect(found(PaymentCardDetector(), "Visa 4111 1111 1111 1111, Amex 378282246310005, MC 5555-5555-5555-4444.")
            == ["4111 1111 1111 1111", "378282246310005", "5555-5555-5555-4444"])
        #expect(found(PaymentCardDetector(), "4111 1111 1111 1112, 9111111111111111, 4111 1111 11, 1234 5678 9012 3456").isEmpty)
    }

    @Test func ipAddresses() {
        #expect(found(IPAddressDetector(), "Hosts 192.168.0.1, 2001:db8::8a2e:370:7334, fe80::1 and ::ffff:10.0.0.1.")
            == ["192.168.0.1", "2001:db8::8a2e:370:7334", "fe80::1", "::ffff:10.0.0.1"])
        #expect(found(IPAddressDetector(), "Not 999.1.2.3, 1.2.3, 01.2.3.4, 12:30:45, cafe, or dead:beef.").isEmpty)
    }

    @Test func nationalIdentifiersWithTheirRules() {
        #expect(found(NationalIDDetector(), "SSN 123-45-6789, Steuer-ID 86095742719 or 86 095 742 719, NI AB 12 34 56 C, QQ123456C? no: AB123456D")
            == ["123-45-6789", "86095742719", "86 095 742 719", "AB 12 34 56 C", "AB123456D"])
        #expect(found(NationalIDDetector(), "000-12-3456 666-12-3456 123-00-4567 86095742718 DA123456C AB123456E").isEmpty)
    }

    @Test func secrets() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----"
        let text = "key AKIAIOSFODNN7EXAMPLE, \(jwt), atr_AbCdEfGhIjKlMnOpQrStUvWxYz012345 and\n\(pem)\n"
            + "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        #expect(found(SecretDetector(), text) == [
            "AKIAIOSFODNN7EXAMPLE", jwt, "atr_AbCdEfGhIjKlMnOpQrStUvWxYz012345", pem,
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ])
        #expect(found(SecretDetector(), "AKIA123, eyJhello.world, atr_short, -----BEGIN PUBLIC KEY-----").isEmpty)
    }

    /// The AWS CLI's JSON writes the secret key's name in camel case, other tools with dashes;
    /// a PGP private key is a `PRIVATE KEY BLOCK` (attack round 8: these passed undetected).
    @Test func secretsAsOtherToolsWriteThem() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0ABCDEFGHIJ\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----"
        let text = #"{"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "\#(secret)"}"#
            + "\naws-secret-access-key: \(secret)\nAWS_SECRET_ACCESS_KEY=\(secret)\n\(pgp)"
        #expect(found(SecretDetector(), text) == ["AKIAIOSFODNN7EXAMPLE", secret, secret, secret, pgp])
        #expect(found(SecretDetector(), "secret access key: \(secret), secretXaccesskey=\(secret)").isEmpty)
    }
}
