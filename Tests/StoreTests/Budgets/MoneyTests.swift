@testable import Store
import Testing

/// Money is exact: decimals in, the same decimals out, never through floating point.
@Suite struct MoneyTests {
    @Test(arguments: [
        ("12.5", Int64(12_500_000)), ("0.000001", 1), ("12", 12_000_000), (".5", 500_000), ("0", 0),
        ("1000000000", 1_000_000_000_000_000), ("0.1", 100_000), ("3.000150", 3_000_150),
    ])
    func decimalsParseToExactMicros(_ text: String, _ micros: Int64) throws {
        #expect(try Money(parsing: text, field: "amount").micros == micros)
    }

    @Test(arguments: [
        "", ".", "-1", "+1", "1e3", "1.1234567", "NaN", "inf", "1,5", "1000000000.000001", "99999999999", "1.",
        "١٢", " 1", "1\u{0}",
    ])
    func anythingElseIsRefused(_ text: String) {
        #expect(throws: StoreError.self) { try Money(parsing: text, field: "amount") }
    }

    @Test func descriptionIsTheShortestExactDecimal() {
        #expect(Money(micros: 12_500_000).description == "12.5")
        #expect(Money(micros: 150).description == "0.00015")
        #expect(Money(micros: 7_000_000).description == "7")
    }

    /// 0.1 + 0.2 is 0.3 here, unlike in `Double`.
    @Test func pricesAddUpToTheMicro() throws {
        let price = try ModelPrice(
            model: "m", promptPer1K: Money(parsing: "0.1", field: "p"), completionPer1K: Money(parsing: "0.2", field: "c"))
        #expect(price.cost(promptTokens: 1000, completionTokens: 1000) == Money(micros: 300_000))
        // Rounded up to the next micro: a request never costs less than its tokens' price.
        #expect(price.cost(promptTokens: 1, completionTokens: 0) == Money(micros: 100))
        let tiny = try ModelPrice(model: "m", promptPer1K: Money(micros: 1), completionPer1K: .zero)
        #expect(tiny.cost(promptTokens: 1, completionTokens: 0) == Money(micros: 1))
    }
}
