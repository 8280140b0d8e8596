import Foundation
import Inference
import Testing
import AtriumTestSupport
@testable import Server

/// The multipart parser runs in time linear in the body, near-misses of the boundary included
/// (issue 12). Checked by ratio, as in `ParserLinearityTests`: the same generator at n and 8n
/// bytes, best of three runs each, within 32 times (linear is 8, quadratic 64); every body ends
/// in parts or a 400, never a crash.
@Suite("Multipart linearity", .serialized)
struct MultipartFormDataLinearityTests {
    static let small = 512 * 1024
    static let large = 8 * small
    static let longBoundary = String(repeating: "-", count: 199) + "x"

    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let boundary: String
        let make: @Sendable (Int) -> Data
        var description: String { name }
    }

    static func upload(_ content: Data, boundary: String) -> Data {
        Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n".utf8)
            + content + Data("\r\n--\(boundary)--\r\n".utf8)
    }

    static let cases: [Case] = [
        Case(name: "a file of dashes against a boundary of 199 dashes", boundary: longBoundary) { n in
            upload(Data(repeating: UInt8(ascii: "-"), count: n), boundary: longBoundary)
        },
        Case(name: "a file of line breaks and near-boundaries", boundary: longBoundary) { n in
            let piece = Data(("\r\n" + String(longBoundary.dropLast()) + "y").utf8)
            return upload(Data((0..<(n / piece.count)).flatMap { _ in piece }), boundary: longBoundary)
        },
        Case(name: "a body of blank lines without a delimiter", boundary: "b") { n in
            Data(repeating: 10, count: n)
        },
        Case(name: "headers that never end", boundary: "b") { n in
            Data("--b\r\n".utf8) + Data((0..<(n / 4)).flatMap { _ in Array("a:\r\n".utf8) })
        },
        Case(name: "random bytes around delimiters", boundary: "b") { n in
            var generator = SplitMix64(seed: 21)
            let pieces: [[UInt8]] = [Array("\r\n--b".utf8), Array("\r\n".utf8), [10], [0x2D], [0x62], [0xFF], Array("\r\n\r\n".utf8)]
            var body = Array("--b\r\ncontent-disposition: form-data; name=file\r\n\r\n".utf8)
            while body.count < n { body += pieces[Int(generator.next() % UInt64(pieces.count))] }
            return Data(body)
        },
    ]

    @Test("the parser takes time linear in the body", arguments: cases)
    func linearTime(_ adversarial: Case) {
        let small = adversarial.make(Self.small)
        let large = adversarial.make(Self.large)
        // Times are the thread's CPU time, so preemption does not count; cache contention from
        // the other suites still may (CI measured 62.7 by wall clock beside four builds), so a
        // ratio past the bound is measured again, up to three rounds, and the smallest counts;
        // a quadratic parser stays near 64 in every round.
        var ratio = Double.infinity
        var times = (small: 0.0, large: 0.0)
        for _ in 0..<3 where ratio >= 32 {
            let smallTime = (0..<3).map { _ in Self.time(small, adversarial.boundary) }.min()!
            let largeTime = (0..<3).map { _ in Self.time(large, adversarial.boundary) }.min()!
            if largeTime / max(smallTime, 0.005) < ratio {
                ratio = largeTime / max(smallTime, 0.005)
                times = (smallTime, largeTime)
            }
        }
        #expect(ratio < 32, "\(adversarial): \(times.small) s, then \(times.large) s for 8×")
    }

    @Test("a well-formed upload of near-misses keeps its file intact")
    func nearMissesStayInTheFile() throws {
        let content = Data(repeating: UInt8(ascii: "-"), count: 4 * 1024 * 1024)
        let form = try MultipartFormData(body: Self.upload(content, boundary: Self.longBoundary), boundary: Self.longBoundary)
        #expect(form.part(named: "file")?.body == content)
    }

    static func time(_ body: Data, _ boundary: String) -> Double {
        ThreadCPUTime.seconds { _ = try? MultipartFormData(body: body, boundary: boundary) }
    }
}
