import Foundation

/// The files `atrium ingest` uploads: every file given, and every file under every folder
/// given (recursively, like a directory reader; hidden files and folders are skipped), each
/// with the name it is stored under — its path relative to the folder given, or its own name.
/// Only paths are listed here; contents are read one file at a time while uploading.
struct IngestSource: Sendable {
    struct File: Sendable {
        let url: URL
        let name: String
    }

    let files: [File]

    init(paths: [String]) throws {
        var files: [File] = []
        for path in paths {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw IngestError("no such file or folder: \(path)")
            }
            if isDirectory.boolValue {
                files += try Self.files(under: url)
            } else {
                files.append(File(url: url, name: url.lastPathComponent))
            }
        }
        self.files = files
    }

    /// The regular files under `folder`, by relative path.
    private static func files(under folder: URL) throws -> [File] {
        guard
            let enumerator = FileManager.default.enumerator(
                at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { throw IngestError("cannot read the folder \(folder.path)") }
        let base = folder.resolvingSymlinksInPath().path
        var files: [File] = []
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.resolvingSymlinksInPath().path
            let relative = path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : url.lastPathComponent
            files.append(File(url: url, name: relative))
        }
        return files.sorted { $0.name < $1.name }
    }
}

/// Why `atrium ingest` stopped, in words for the user (exit code 1).
struct IngestError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
