import Logging

/// swift-log's `StreamLogHandler`, with its metadata formatted when a line is written instead
/// of whenever it is set.
///
/// `StreamLogHandler` renders its whole metadata (sorted, as one string) on every change, so
/// that lines are cheap to write. A server sets metadata on every request (its id, the key's
/// prefix, the team) and writes a line for few of them: that rendering was about 2 % of a
/// short streamed request's CPU. Here the metadata is kept as set and handed to the stream
/// handler with each line, which renders it then, in the same format.
///
/// ```swift
/// LoggingSystem.bootstrap { label in
///     DeferredMetadataLogHandler(StreamLogHandler.standardError(label: label), level: .info)
/// }
/// ```
public struct DeferredMetadataLogHandler: LogHandler {
    /// Writes the lines; its own metadata stays empty.
    private var output: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    public init(_ output: StreamLogHandler, level: Logger.Level) {
        self.output = output
        self.output.logLevel = level
    }

    public var logLevel: Logger.Level {
        get { output.logLevel }
        set { output.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { output.metadataProvider }
        set { output.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        // The line's own metadata wins over the logger's, as in `StreamLogHandler`.
        if let explicit = event.metadata, !metadata.isEmpty {
            event.metadata = metadata.merging(explicit) { _, line in line }
        } else if event.metadata == nil, !metadata.isEmpty {
            event.metadata = metadata
        }
        output.log(event: event)
    }
}
