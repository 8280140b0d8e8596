import ArgumentParser
import AsyncHTTPClient
import Foundation

/// `atrium ingest --url URL --key KEY --collection NAME [--jobs N] PATH…`: uploads files and
/// folders (recursively) into one of the key's team's collections, creating it if needed,
/// `--jobs` files at a time (so the server loads and chunks the next file while it embeds
/// one), never more than that many files in memory. Prints a progress bar on stderr, counting
/// files the server has finished, and a summary of added, unchanged, replaced and rejected
/// files (with reasons) on stdout. Rejected files do not fail the run; a refused key or an
/// unreachable server does (exit code 1).
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload files and folders into a collection of your team's knowledge.")

    @Option(help: "The server, e.g. http://127.0.0.1:8080.")
    var url: String

    @Option(help: "A key of the team (team admin or member).")
    var key: String

    @Option(help: "The collection to add the documents to (created if missing).")
    var collection: String

    @Option(help: "Files uploaded at once (1 to 16): the server reads the next while it embeds one.")
    var jobs = 2

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Argument(help: "Files and folders to upload.")
    var paths: [String]

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one file or folder") }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ValidationError("--url must start with http:// or https://")
        }
        guard (1...16).contains(jobs) else { throw ValidationError("--jobs must be 1 to 16") }
    }

    func run() async throws {
        let source = try IngestSource(paths: paths)
        let client = IngestClient(
            baseURL: String(url.reversed().drop { $0 == "/" }.reversed()), key: key, collection: collection,
            client: HTTPClient.shared)
        try await client.ensureCollection()
        let files = source.files
        let progress = IngestProgress(total: files.count)
        var outcomes = [IngestClient.Outcome?](repeating: nil, count: files.count)
        var summary = IngestSummary(collection: collection)
        var done = 0
        do {
            try await withThrowingTaskGroup(of: (Int, IngestClient.Outcome).self) { group in
                var next = 0
                func start() {
                    let position = next, file = files[position]
                    next += 1
                    group.addTask { (position, try await Self.upload(file, with: client)) }
                }
                while next < min(jobs, files.count) { start() }
                if let first = files.first { progress.show(done: 0, current: first.name) }
                while let (position, outcome) = try await group.next() {
                    outcomes[position] = outcome
                    done += 1
                    // A file counts as done when the server has answered for it, never when sent.
                    progress.show(done: done, current: files[position].name, outcome: summary.word(for: outcome))
                    if next < files.count { start() }
                }
            }
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        // The summary lists files in the order of the source, whichever finished first.
        for (file, outcome) in zip(files, outcomes) {
            if let outcome { summary.record(outcome, name: file.name) }
        }
        print(json ? try summary.json() : summary.text())
    }

    /// One file read and uploaded; a file that cannot be read is rejected, not fatal.
    private static func upload(_ file: IngestSource.File, with client: IngestClient) async throws -> IngestClient.Outcome {
        let data: Data
        do {
            data = try Data(contentsOf: file.url)
        } catch {
            return .rejected(reason: "cannot read the file: \(error.localizedDescription)")
        }
        do {
            return try await client.upload(data, name: file.name)
        } catch let error as IngestError {
            throw error
        } catch {
            return .rejected(reason: "the answer could not be read: \(error)")
        }
    }
}

/// What `atrium ingest` did, file by file.
struct IngestSummary: Sendable {
    let collection: String
    var added: [String] = []
    var unchanged: [String] = []
    var replaced: [String] = []
    var rejected: [(name: String, reason: String)] = []
    /// Of the replaced documents' chunks, how many there are and how many kept their vectors
    /// (only edited text is embedded again).
    var replacedChunks = 0
    var keptChunks = 0

    mutating func record(_ outcome: IngestClient.Outcome, name: String) {
        switch outcome {
        case .stored(status: "unchanged", _, _): unchanged.append(name)
        case let .stored(status: "replaced", chunks, kept):
            replaced.append(name)
            replacedChunks += chunks
            keptChunks += kept
        case .stored: added.append(name)
        case let .rejected(reason): rejected.append((name, reason))
        }
    }

    func word(for outcome: IngestClient.Outcome) -> String {
        switch outcome {
        case let .stored(status, _, _): status
        case .rejected: "rejected"
        }
    }

    func text() -> String {
        let kept = replaced.isEmpty ? "" : " (\(keptChunks) of \(replacedChunks) chunks kept their vectors)"
        var lines = [
            "\(collection): added \(added.count), unchanged \(unchanged.count), replaced \(replaced.count)\(kept), rejected \(rejected.count)"
        ]
        lines += rejected.map { "rejected \($0.name): \($0.reason)" }
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        let object: [String: Any] = [
            "collection": collection, "added": added, "unchanged": unchanged, "replaced": replaced,
            "replaced_chunks": replacedChunks, "kept_chunks": keptChunks,
            "rejected": rejected.map { ["name": $0.name, "reason": $0.reason] },
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
