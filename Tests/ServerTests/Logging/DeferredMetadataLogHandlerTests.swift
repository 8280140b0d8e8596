import Logging
import Server
import Synchronization
import Testing

@Suite struct DeferredMetadataLogHandlerTests {
    /// The lines a stream handler writes, kept.
    final class Lines: TextOutputStream, Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func write(_ string: String) { lines.withLock { $0.append(string) } }
    }

    /// A line without its timestamp (the first field).
    private static func untimed(_ line: String) -> Substring {
        line.drop { $0 != " " }
    }

    private static func logged(_ makeHandler: (StreamLogHandler) -> any LogHandler) -> [Substring] {
        let lines = Lines()
        var logger = Logger(label: "atrium.test") { label in
            makeHandler(StreamLogHandler(label: label, stream: lines, metadataProvider: nil))
        }
        logger.logLevel = .info
        logger[metadataKey: "request.id"] = "9f2c"
        logger[metadataKey: "team.id"] = "sales"
        logger.debug("below the level")
        logger.info("served")
        logger.warning("generation failed", metadata: ["error.code": "upstream_timeout", "team.id": "finance"])
        logger[metadataKey: "team.id"] = nil
        logger.error("plain")
        return lines.all.map(untimed)
    }

    @Test func linesAreTheStreamHandlersOwn() {
        let plain = Self.logged { $0 }
        let deferred = Self.logged { DeferredMetadataLogHandler($0, level: .trace) }
        #expect(plain.count == 3)
        #expect(deferred == plain)
        // The line's metadata wins over the logger's, keys sorted, as before.
        #expect(deferred[1].contains("error.code=upstream_timeout request.id=9f2c team.id=finance"))
        #expect(deferred[2].contains(": request.id=9f2c [") && !deferred[2].contains("team.id"))
    }

    @Test func theLevelIsTheHandlers() {
        let output = StreamLogHandler(label: "x", stream: Lines(), metadataProvider: nil)
        var handler = DeferredMetadataLogHandler(output, level: .warning)
        #expect(handler.logLevel == .warning)
        handler.logLevel = .debug
        #expect(handler.logLevel == .debug)
    }
}
