import Foundation
import Tenancy
import Testing

@Suite struct BoundedRegexTests {
    private func ranges(_ pattern: String, _ text: String) throws -> [String] {
        let regex = try BoundedRegex(pattern)
        var budget = 10_000_000
        let bytes = Array(text.utf8)
        return try regex.matches(in: bytes, budget: &budget).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test func findsLeftmostLongestMatchesWithoutOverlap() throws {
        #expect(try ranges("PRJ-[0-9]{4}", "see PRJ-1234 and PRJ-99 and PRJ-5678.") == ["PRJ-1234", "PRJ-5678"])
        #expect(try ranges("a|ab|abc", "xabcx abx") == ["abc", "ab"])
        #expect(try ranges(#"\bcat\b"#, "cat concat cat.") == ["cat", "cat"])
        #expect(try ranges("(?i)secret", "SECRET Secret secret") == ["SECRET", "Secret", "secret"])
        #expect(try ranges(#"\d+(\.\d+)?"#, "1.5 and 22") == ["1.5", "22"])
        #expect(try ranges("^ab", "ab ab") == ["ab"])
        #expect(try ranges("x[^a-c]y", "xay xdy") == ["xdy"])
    }

    @Test func refusesWhatCouldBacktrackCatastrophicallyOrIsUnsupported() {
        for pattern in ["(a+)+b", "(a*)*", "(x+x+)+y", #"(\w+\s?)*$"#, #"(a|b)\1"#, "(?=a)b", "a*?", "a++", "", "a*",
                        "(", "a)", "[a-", "a{5,2}", "a{1000}", "\\"] {
            #expect(throws: BoundedRegex.SyntaxError.self, "\(pattern)") { try BoundedRegex(pattern) }
        }
    }

    @Test func aHostileTextCostsLinearTimeAndStopsAtItsBudget() throws {
        // The classic ReDoS pair, written safely: the engine never backtracks.
        let regex = try BoundedRegex("a{1,50}a{1,50}b")
        let text = Array(String(repeating: "a", count: 20_000).utf8)
        var budget = 200_000
        #expect(throws: BoundedRegex.BudgetExceeded.self) { try regex.matches(in: text, budget: &budget) }
        var generous = 100_000_000
        #expect(try regex.matches(in: text, budget: &generous).isEmpty)
    }

    /// One scratch serves patterns of any size in turn (a request's scans share it): what an
    /// earlier match left in its thread lists never changes a later one, and a spent budget
    /// refuses before any work.
    @Test func aSharedScratchMatchesAsFreshThreadListsDo() throws {
        let patterns = try ["q(?:a{100}){20}", "PRJ-[0-9]{4}", "a|ab|abc", #"\bcat\b"#].map { try BoundedRegex($0) }
        let texts = ["q" + String(repeating: "a", count: 2100), "see PRJ-1234 xabcx cat concat", "", "abcabc qaaa"]
        var scratch = BoundedRegex.Scratch()
        for _ in 0..<2 {
            for regex in patterns {
                for text in texts {
                    var shared = 10_000_000
                    var fresh = 10_000_000
                    let bytes = Array(text.utf8)
                    let reused = try regex.matches(in: bytes, budget: &shared, scratch: &scratch)
                    #expect(try reused == regex.matches(in: bytes, budget: &fresh), "\(regex.source) in \(text.prefix(20))")
                    #expect(shared == fresh)
                }
            }
        }
        var spent = 0
        #expect(throws: BoundedRegex.BudgetExceeded.self) { try patterns[1].matches(in: [], budget: &spent, scratch: &scratch) }
    }
}
