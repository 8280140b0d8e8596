import ArgumentParser
import AsyncHTTPClient
import Foundation

/// `atrium ingest --url URL --key KEY --collection NAME PATH…`: uploads files and folders
/// (recursively) into one of the key's team's collections, creating it if needed, file by
/// file — never more than one file in memory. Prints a progress bar on stderr and a summary
/// of added, unchanged, replaced and rejected files (with reasons) on stdout. Rejected files
/// do not fail the run; a refused key or an unreachable server does (exit code 1).
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload files and folders into a collection of your team's knowledge.")

    @Option(help: "The server, e.g. http://127.0.0.1:8080.")
    var url: String

    @Option(help: "A key of the team (team admin or member).")
    var key: String

    @Option(help: "The collection to add the documents to (created if missing).")
    var collection: String

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Argument(help: "Files and folders to upload.")
    var paths: [String]

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one file or folder") }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ValidationError("--url must start with http:// or https://")
        }
    }

    func run() async throws {
        let source = try IngestSource(paths: paths)
        let client = IngestClient(
            baseURL: String(url.reversed().drop { $0 == "/" }.reversed()), key: key, collection: collection,
            client: HTTPClient.shared)
        try await client.ensureCollection()
        var summary = IngestSummary(collection: collection)
        let progress = IngestProgress(total: source.files.count)
        for (position, file) in source.files.enumerated() {
            progress.show(done: position, current: file.name)
            let outcome: IngestClient.Outcome
            do {
                let data = try Data(contentsOf: file.url)
                outcome = try await client.upload(data, name: file.name)
            } catch let error as IngestError {
                progress.finish()
                throw error
            } catch {
                outcome = .rejected(reason: "cannot read the file: \(error.localizedDescription)")
            }
            summary.record(outcome, name: file.name)
            progress.show(done: position + 1, current: file.name, outcome: summary.word(for: outcome))
        }
        progress.finish()
        print(json ? try summary.json() : summary.text())
    }
}

/// What `atrium ingest` did, file by file.
struct IngestSummary: Sendable {
    let collection: String
    var added: [String] = []
    var unchanged: [String] = []
    var replaced: [String] = []
    var rejected: [(name: String, reason: String)] = []

    mutating func record(_ outcome: IngestClient.Outcome, name: String) {
        switch outcome {
        case .stored(status: "unchanged"): unchanged.append(name)
        case .stored(status: "replaced"): replaced.append(name)
        case .stored: added.append(name)
        case let .rejected(reason): rejected.append((name, reason))
        }
    }

    func word(for outcome: IngestClient.Outcome) -> String {
        switch outcome {
        case let .stored(status): status
        case .rejected: "rejected"
        }
    }

    func text() -> String {
        var lines = [
            "\(collection): added \(added.count), unchanged \(unchanged.count), replaced \(replaced.count), rejected \(rejected.count)"
        ]
        lines += rejected.map { "rejected \($0.name): \($0.reason)" }
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        let object: [String: Any] = [
            "collection": collection, "added": added, "unchanged": unchanged, "replaced": replaced,
            "rejected": rejected.map { ["name": $0.name, "reason": $0.reason] },
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
