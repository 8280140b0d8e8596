import Foundation
@testable import Gateway
import Synchronization

/// A test double of one stage, the engine: it behaves like a GPU server — a fixed number of
/// slots, first come first served beyond them, and one token per running request per step of
/// its own clock, which the test advances with ``step()``. Latencies are counted in those
/// steps, a unit machine noise does not move.
final class TestEngine: LanguageModelBackend, Sendable {
    struct Finished: Sendable, Hashable {
        let team: String
        /// Steps from arrival at the engine to the last token.
        let steps: Int
    }

    private final class Job: Sendable {
        let id: Int
        let team: String
        let length: Int
        let arrived: Int
        let continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
        init(id: Int, team: String, length: Int, arrived: Int,
             continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) {
            self.id = id
            self.team = team
            self.length = length
            self.arrived = arrived
            self.continuation = continuation
        }
    }

    private struct State {
        var clock = 0
        var nextID = 0
        var running: [(job: Job, generated: Int)] = []
        var waiting: [Job] = []
        var finished: [Finished] = []
        var cancelled = 0
        var emitted = 0
        var tokens: [String: Int] = [:]
    }

    let slots: Int
    private let state = Mutex(State())

    init(slots: Int) {
        self.slots = slots
    }

    /// Steps run so far.
    var clock: Int { state.withLock { $0.clock } }
    /// Requests at the engine, running or waiting.
    var live: Int { state.withLock { $0.running.count + $0.waiting.count } }
    var running: Int { state.withLock { $0.running.count } }
    var cancelled: Int { state.withLock { $0.cancelled } }
    var finished: [Finished] { state.withLock { $0.finished } }
    /// Events handed out so far (deltas and finishes).
    var emitted: Int { state.withLock { $0.emitted } }
    /// Tokens generated per team.
    var tokens: [String: Int] { state.withLock { $0.tokens } }
    /// Teams of the running requests.
    var runningTeams: [String] { state.withLock { $0.running.map(\.job.team) } }

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        let id = state.withLock { state -> Int in
            let job = Job(
                id: state.nextID, team: request.tenant.teamID.rawValue, length: request.sampling.maxTokens,
                arrived: state.clock, continuation: continuation)
            state.nextID += 1
            if state.running.count < slots { state.running.append((job, 0)) } else { state.waiting.append(job) }
            return job.id
        }
        continuation.onTermination = { [weak self] termination in
            guard case .cancelled = termination else { return }
            self?.cancel(id)
        }
        return stream
    }

    private func cancel(_ id: Int) {
        state.withLock { state in
            if let index = state.running.firstIndex(where: { $0.job.id == id }) {
                state.running.remove(at: index)
                state.cancelled += 1
                if !state.waiting.isEmpty { state.running.append((state.waiting.removeFirst(), 0)) }
            } else if let index = state.waiting.firstIndex(where: { $0.id == id }) {
                state.waiting.remove(at: index)
                state.cancelled += 1
            }
        }
    }

    /// Ends the `count` oldest running requests at once, as if each had just generated its
    /// last token, and gives their slots to the oldest waiting requests.
    func finishRunning(count: Int) {
        state.withLock { state in
            let ending = state.running.prefix(count)
            state.running.removeFirst(ending.count)
            for (job, generated) in ending {
                job.continuation.yield(.finished(Usage(promptTokens: 5, completionTokens: generated), .stop))
                state.emitted += 1
                job.continuation.finish()
                state.finished.append(Finished(team: job.team, steps: state.clock - job.arrived))
            }
            while state.running.count < slots, !state.waiting.isEmpty {
                state.running.append((state.waiting.removeFirst(), 0))
            }
        }
    }

    /// One step: every running request generates a token; those done finish and free their
    /// slots for the oldest waiting requests.
    func step() {
        state.withLock { state in
            state.clock += 1
            var still: [(job: Job, generated: Int)] = []
            for (job, generated) in state.running {
                job.continuation.yield(.delta("t"))
                state.emitted += 1
                state.tokens[job.team, default: 0] += 1
                if generated + 1 >= job.length {
                    job.continuation.yield(.finished(Usage(promptTokens: 5, completionTokens: job.length), .length))
                    state.emitted += 1
                    job.continuation.finish()
                    state.finished.append(Finished(team: job.team, steps: state.clock - job.arrived))
                } else {
                    still.append((job, generated + 1))
                }
            }
            state.running = still
            while state.running.count < slots, !state.waiting.isEmpty {
                state.running.append((state.waiting.removeFirst(), 0))
            }
        }
    }
}
