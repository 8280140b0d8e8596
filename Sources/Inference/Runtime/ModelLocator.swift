import Foundation

/// Resolves a model name (`smollm2-135m`, `minilm-l6`) or a path to files on disk.
/// Named models live in `$ATRIUM_HOME/models/<name>/`, placed there by `scripts/fetch-models`.
public struct ModelLocator: Sendable {
    public let home: String

    /// Names of the default models and the file each resolves to.
    public static let namedGGUF = [
        "smollm2-135m": "smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf",
        "gemma3-270m": "gemma3-270m/gemma-3-270m-q4_k_m.gguf",  // scripts/fetch-gemma
    ]
    public static let namedFolders = ["minilm-l6": "minilm-l6"]

    public init(home: String? = nil) {
        self.home = home ?? ProcessInfo.processInfo.environment["ATRIUM_HOME"] ?? "./.atrium"
    }

    /// The GGUF file for `nameOrPath`: a known name, or an existing path.
    public func ggufPath(for nameOrPath: String) throws -> String {
        if let relative = Self.namedGGUF[nameOrPath] {
            let path = "\(home)/models/\(relative)"
            guard FileManager.default.fileExists(atPath: path) else {
                throw ModelLocatorError.notFetched(name: nameOrPath, path: path)
            }
            return path
        }
        guard FileManager.default.fileExists(atPath: nameOrPath) else {
            throw ModelLocatorError.unknown(nameOrPath)
        }
        return nameOrPath
    }

    /// The model folder for `nameOrPath`: a known name, or an existing directory.
    public func folderPath(for nameOrPath: String) throws -> String {
        if let relative = Self.namedFolders[nameOrPath] {
            let path = "\(home)/models/\(relative)"
            guard FileManager.default.fileExists(atPath: path) else {
                throw ModelLocatorError.notFetched(name: nameOrPath, path: path)
            }
            return path
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelLocatorError.unknown(nameOrPath)
        }
        return nameOrPath
    }
}

public enum ModelLocatorError: Error, CustomStringConvertible {
    case notFetched(name: String, path: String)
    case unknown(String)

    public var description: String {
        switch self {
        case .notFetched(let name, let path):
            return "model '\(name)' is not at \(path); run scripts/fetch-models"
        case .unknown(let value):
            return "'\(value)' is neither a known model name (\(ModelLocator.namedGGUF.keys.sorted().joined(separator: ", ")), \(ModelLocator.namedFolders.keys.sorted().joined(separator: ", "))) nor an existing path"
        }
    }
}
