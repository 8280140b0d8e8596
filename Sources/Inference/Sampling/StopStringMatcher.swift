/// Watches generated text for stop strings. Text that could be the start of a stop string is held back
/// until the next delta shows whether it is one; the stop string itself is never emitted.
///
/// ```swift
/// var stops = try StopStringMatcher(["\nUser:"])
/// let (emit, stopped) = stops.append(delta)   // send `emit`; end generation when `stopped`
/// send(stops.finish())                         // at the end without a stop
/// ```
public struct StopStringMatcher: Sendable {
    private let stops: [[UInt8]]
    private var held: [UInt8] = []
    public private(set) var stopped = false

    public init(_ stops: [String]) throws {
        guard !stops.contains(where: \.isEmpty) else { throw SamplingError.emptyStopString }
        self.stops = stops.map { Array($0.utf8) }
    }

    /// The text safe to emit after `text`, and whether a stop string has now been seen (everything
    /// from it on is dropped, and later calls emit nothing).
    public mutating func append(_ text: String) -> (emit: String, stopped: Bool) {
        guard !stopped else { return ("", true) }
        held.append(contentsOf: text.utf8)
        if let match = earliestMatch() {
            stopped = true
            let emit = String(decoding: held[..<match], as: UTF8.self)
            held.removeAll()
            return (emit, true)
        }
        let keep = longestSuffixStartingAStop()
        let emit = String(decoding: held[..<(held.count - keep)], as: UTF8.self)
        held.removeFirst(held.count - keep)
        return (emit, false)
    }

    /// The held-back text, when generation ends without a stop string.
    public mutating func finish() -> String {
        defer { held.removeAll() }
        return stopped ? "" : String(decoding: held, as: UTF8.self)
    }

    /// The byte offset where the first stop string begins in the held text.
    private func earliestMatch() -> Int? {
        var earliest: Int?
        for stop in stops where stop.count <= held.count {
            for start in 0...(held.count - stop.count) where earliest.map({ start < $0 }) ?? true {
                if held[start..<start + stop.count].elementsEqual(stop) {
                    earliest = start
                    break
                }
            }
        }
        return earliest
    }

    /// The length of the longest end of the held text that some stop string begins with. It starts
    /// where a stop string starts, so it never cuts a UTF-8 character.
    private func longestSuffixStartingAStop() -> Int {
        var longest = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, held.count), to: longest, by: -1)
            where held[(held.count - length)...].elementsEqual(stop[..<length]) {
                longest = length
                break
            }
        }
        return longest
    }
}
