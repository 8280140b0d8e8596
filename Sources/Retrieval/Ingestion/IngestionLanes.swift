import Foundation
import Synchronization
import Tenancy

/// Where uploads are hashed, loaded and chunked: CPU work outside the embedding model, one lane
/// per team. A team's work runs one piece at a time, in the order it came, on a thread of its
/// own; teams never wait for one another. This work once ran on one serial queue for every team,
/// so one team's slow document (a PDF whose 19 KB inflate to 6 MB of drawing commands kept
/// `pdftotext` busy for two minutes) held every other team's uploads as long (attack round 4).
///
/// A team holds at most ``maximumWaiting`` pieces waiting (each an upload whose body is in
/// memory); more are refused at once. A piece whose request is cancelled (its client gone, the
/// server stopping) before it starts is dropped; one already running is let finish on its
/// thread (a reader cannot be stopped midway), but its request ends at once, so a stopping
/// server never waits for it.
final class IngestionLanes: Sendable {
    static let maximumWaiting = 8

    private struct Piece: Sendable {
        let id: UInt64
        let run: @Sendable () -> Void
        let cancel: @Sendable () -> Void
    }

    /// Resumes a continuation once: with the work's result, or with `CancellationError` if the
    /// request was cancelled first.
    private final class Once: Sendable {
        private let done = Atomic(false)
        func callAsFunction(_ body: () -> Void) {
            if !done.exchange(true, ordering: .acquiringAndReleasing) { body() }
        }
    }

    private struct Lane {
        var running: Piece?
        var waiting: [Piece] = []
    }

    private enum LaneStart { case now, later, refused }

    private struct State {
        var lanes: [TeamID: Lane] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Concurrent: each team's lane takes one of its threads while it has work.
    private let threads = DispatchQueue(label: "atrium.ingestion", qos: .utility, attributes: .concurrent)

    /// Runs `work` in `team`'s lane and returns its result.
    /// - Throws: ``KnowledgeError/tooManyUploads(limit:)`` when the team already has
    ///   ``maximumWaiting`` pieces waiting; `CancellationError` when the task is cancelled first.
    func run<T: Sendable>(for team: TeamID, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                guard !Task.isCancelled else { return continuation.resume(throwing: CancellationError()) }
                let once = Once()
                let piece = Piece(
                    id: id,
                    run: {
                        let result = Result { try work() }
                        once { continuation.resume(with: result) }
                    },
                    cancel: { once { continuation.resume(throwing: CancellationError()) } })
                let start: LaneStart = state.withLock { state in
                    var lane = state.lanes[team] ?? Lane()
                    defer { state.lanes[team] = lane }
                    if lane.running == nil {
                        lane.running = piece
                        return .now
                    }
                    guard lane.waiting.count < Self.maximumWaiting else { return .refused }
                    lane.waiting.append(piece)
                    return .later
                }
                switch start {
                case .now: threads.async { self.drain(team, from: piece) }
                case .later: break
                case .refused: continuation.resume(throwing: KnowledgeError.tooManyUploads(limit: Self.maximumWaiting))
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Piece? in
                if let running = state.lanes[team]?.running, running.id == id { return running }
                guard let index = state.lanes[team]?.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.lanes[team]?.waiting.remove(at: index)
            }
            cancelled?.cancel()
        }
    }

    /// Runs `first` and then the team's waiting pieces in order, until none is left.
    private func drain(_ team: TeamID, from first: Piece) {
        var next: Piece? = first
        while let piece = next {
            piece.run()
            next = state.withLock { state in
                guard var lane = state.lanes[team], !lane.waiting.isEmpty else {
                    state.lanes[team] = nil
                    return nil
                }
                let piece = lane.waiting.removeFirst()
                lane.running = piece
                state.lanes[team] = lane
                return piece
            }
        }
    }

    /// Pieces waiting in `team`'s lane (for tests).
    func waiting(for team: TeamID) -> Int {
        state.withLock { $0.lanes[team]?.waiting.count ?? 0 }
    }

    /// Whether `team`'s lane is running a piece (for tests).
    func isBusy(_ team: TeamID) -> Bool {
        state.withLock { $0.lanes[team]?.running != nil }
    }
}
