import Testing
@testable import Inference

/// Stop strings are found across deltas, never emitted, and text that might start one waits.
@Suite struct StopStringMatcherTests {
    @Test func aStopSplitAcrossDeltasIsHeldThenDropped() throws {
        var matcher = try StopStringMatcher(["\nUser:"])
        #expect(matcher.append("Paris is the capital.") == ("Paris is the capital.", false))
        #expect(matcher.append("\nUs") == ("", false))
        #expect(matcher.append("er: next") == ("", true))
        #expect(matcher.append("more") == ("", true))
        #expect(matcher.finish() == "")
    }

    @Test func heldTextThatIsNotAStopIsReleased() throws {
        var matcher = try StopStringMatcher(["\nUser:"])
        #expect(matcher.append("a\nU") == ("a", false))
        #expect(matcher.append("nits") == ("\nUnits", false))
        #expect(matcher.append("\n") == ("", false))
        #expect(matcher.finish() == "\n")
    }

    @Test func theEarliestOfSeveralStopsWins() throws {
        var matcher = try StopStringMatcher(["END", "###"])
        #expect(matcher.append("one ### two END") == ("one ", true))
    }

    @Test func overlappingStartsAreFound() throws {
        var matcher = try StopStringMatcher(["ab"])
        #expect(matcher.append("aa") == ("a", false))
        #expect(matcher.append("b") == ("", true))  // "a" + "" = everything before "ab"
    }

    @Test func multiByteTextIsNeverCut() throws {
        var matcher = try StopStringMatcher(["日本語"])
        #expect(matcher.append("こんにちは日本") == ("こんにちは", false))
        #expect(matcher.append("人") == ("日本人", false))
        #expect(matcher.append("日本語です") == ("", true))
    }

    @Test func emptyStopStringsAreRefused() {
        #expect(throws: SamplingError.emptyStopString) { try StopStringMatcher(["ok", ""]) }
    }

    @Test func noStopsPassEverythingThrough() throws {
        var matcher = try StopStringMatcher([])
        #expect(matcher.append("anything") == ("anything", false))
    }
}
