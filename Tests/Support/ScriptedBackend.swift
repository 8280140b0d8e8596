import Foundation
import Gateway
import Synchronization

/// A test double for ``LanguageModelBackend``: answers every request with a fixed script of
/// deltas and usage (or fails), and remembers the requests it was given.
public final class ScriptedBackend: LanguageModelBackend {
    public enum Script: Sendable {
        case answer([String], Usage, FinishReason)
        case fail(BackendError)
        /// Yields the deltas, then waits until cancelled (a client that goes away mid-stream).
        case hang([String])
        /// Yields the deltas, then fails (a backend that breaks mid-answer).
        case failAfter([String], BackendError)
    }

    private let script: Script
    private let received = Mutex<[GenerationRequest]>([])

    public init(_ script: Script = .answer(["Hello", ", world."], Usage(promptTokens: 7, completionTokens: 3), .stop)) {
        self.script = script
    }

    public var requests: [GenerationRequest] { received.withLock { $0 } }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        received.withLock { $0.append(request) }
        let script = script
        return AsyncThrowingStream { continuation in
            let task = Task {
                switch script {
                case let .answer(deltas, usage, reason):
                    for delta in deltas { continuation.yield(.delta(delta)) }
                    continuation.yield(.finished(usage, reason))
                    continuation.finish()
                case let .fail(error):
                    continuation.finish(throwing: error)
                case let .failAfter(deltas, error):
                    for delta in deltas { continuation.yield(.delta(delta)) }
                    continuation.finish(throwing: error)
                case let .hang(deltas):
                    for delta in deltas { continuation.yield(.delta(delta)) }
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
                    continuation.finish(throwing: CancellationError())
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
