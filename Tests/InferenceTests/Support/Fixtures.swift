import Foundation
import Inference

/// Locations of the golden reference data and the fetched models that tests use.
enum Fixtures {
    /// The repository root (this file is Tests/InferenceTests/Support/Fixtures.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/reference` beside the repository, or `$ATRIUM_REFERENCE`.
    static let referenceRoot: URL = {
        if let path = ProcessInfo.processInfo.environment["ATRIUM_REFERENCE"] {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/reference")
    }()

    static let smolReference = referenceRoot.appendingPathComponent("smollm2-135m-instruct-q4_1")
    static let miniLMReference = referenceRoot.appendingPathComponent("all-minilm-l6-v2")

    /// `$ATRIUM_HOME`, or `.atrium` in the repository (where `make test` fetches the models).
    static let atriumHome: String =
        ProcessInfo.processInfo.environment["ATRIUM_HOME"] ?? repositoryRoot.appendingPathComponent(".atrium").path

    static var smolModelPath: String { get throws { try ModelLocator(home: atriumHome).ggufPath(for: "smollm2-135m") } }
    static var miniLMFolderPath: String { get throws { try ModelLocator(home: atriumHome).folderPath(for: "minilm-l6") } }

    /// Decodes a JSON file of the reference folder as loosely typed values.
    static func json(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError.notAnObject(url.path)
        }
        return object
    }

    /// Fixture files kept inside the test target (Tests/InferenceTests/Fixtures).
    static let localFixtures = repositoryRoot.appendingPathComponent("Tests/InferenceTests/Fixtures")
}

enum FixtureError: Error {
    case notAnObject(String)
    case missing(String)
}
