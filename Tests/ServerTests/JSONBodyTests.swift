import Foundation
import Testing
@testable import Server

/// The repeated-key check every JSON body passes before it is decoded.
@Suite struct JSONBodyTests {
    /// Named by its whole path, as the decoder's own errors are.
    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "a"),
        (#"{"x":{"b":[1,{"c":1,"c":2}]}}"#, "x.b[1].c"),
        (#"{"k":1,"\u006b":2}"#, "k"),
        (#"[{"a":1},{"a":1,"b":{},"b":2}]"#, "[1].b"),
        (#"{"logit_bias":{"7":1,"7":-1}}"#, "logit_bias.7"),
        (#"{"m":[{"r":"u"},{"c":"x,y","r":"a","r":"b"}]}"#, "m[1].r"),
    ])
    func repeatedKeysAreFound(body: String, key: String) {
        #expect(JSONBody.firstRepeatedKey(in: Data(body.utf8)) == key, "\(body)")
    }

    @Test(arguments: [
        #"{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}"#,
        #"{"text":"{\"a\":1,\"a\":2}","a":"\\"}"#,
        #"{"a":"x,\"a\":1"}"#,
        #"[1,2,"a","a"]"#,
        #"{"#, "", "{\"a\":", #"{"a":1,"#,
    ])
    func bodiesWithoutRepeatsPass(body: String) {
        #expect(JSONBody.firstRepeatedKey(in: Data(body.utf8)) == nil, "\(body)")
    }

    /// An object of many keys is one pass, not one copy of the keys so far per key.
    @Test func aWideObjectIsScannedOnce() {
        let body = "{" + (0..<100_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        let started = ContinuousClock.now
        #expect(JSONBody.firstRepeatedKey(in: Data(body.utf8)) == nil)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
