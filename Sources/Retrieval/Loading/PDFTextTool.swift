import Foundation

/// Runs poppler's `pdftotext` on a PDF and returns its word layout (`-bbox-layout`): pages,
/// flows (columns in reading order), blocks (paragraphs), lines with their heights, words.
///
/// The layout mode is chosen because it keeps both things the plain modes lose one of: the
/// default mode follows columns but runs paragraphs together, `-layout` keeps paragraphs but
/// interleaves the lines of side-by-side columns.
struct PDFTextTool: Sendable {
    /// The longest a single conversion may run before it is stopped.
    var timeout: Duration = .seconds(120)
    /// Where to look for `pdftotext` (a `PATH`-style list); nil means the process's `PATH`.
    var searchPath: String?

    static let toolName = "pdftotext"
    static let installHint = "install poppler-utils (apt-get install poppler-utils), which `make` does"

    /// The `-bbox-layout` XHTML for `data`.
    /// - Throws: `.toolMissing` when `pdftotext` is not on the PATH, `.malformed` when it
    ///   cannot read the file.
    func layoutXHTML(of data: Data, fileName: String) throws(LoadingError) -> Data {
        guard let executable = executableURL() else {
            throw .toolMissing(tool: Self.toolName, hint: Self.installHint)
        }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("atrium-pdf-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("input.pdf")
        let output = folder.appendingPathComponent("output.html")
        let errors = folder.appendingPathComponent("errors.txt")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: input)
            try Data().write(to: errors)
        } catch {
            throw .malformed(fileName: fileName, reason: "could not stage the PDF for pdftotext: \(error.localizedDescription)")
        }
        let status = try run(executable, arguments: ["-bbox-layout", "-enc", "UTF-8", input.path, output.path],
                             errors: errors, fileName: fileName)
        guard status == 0, let xhtml = try? Data(contentsOf: output) else {
            throw .malformed(fileName: fileName, reason: Self.reason(status: status, errors: errors))
        }
        return xhtml
    }

    /// Runs the tool to completion (or the timeout) and returns its exit status.
    private func run(_ executable: URL, arguments: [String], errors: URL, fileName: String) throws(LoadingError) -> Int32 {
        let child: ChildProcess
        do {
            let errorOutput = try FileHandle(forWritingTo: errors)
            defer { try? errorOutput.close() }
            // Only a PATH: a parser of uploaded files gets none of the server's settings (its
            // database URL, keys) in its environment.
            child = try ChildProcess(executable: executable.path, arguments: arguments,
                                     environment: ["PATH": Self.defaultPath], standardError: errorOutput.fileDescriptor)
        } catch {
            throw .malformed(fileName: fileName, reason: "could not start pdftotext: \(error)")
        }
        let deadline = ContinuousClock.now + timeout
        while child.isRunning {
            if ContinuousClock.now >= deadline {
                child.send(SIGTERM)
                child.waitUntilExit()
                throw .malformed(fileName: fileName, reason: "pdftotext did not finish within \(timeout.components.seconds) s")
            }
            usleep(5_000)
        }
        return child.waitUntilExit()
    }

    /// pdftotext's own first error line (it names the problem: "Couldn't find trailer
    /// dictionary", "Incorrect password"), or its exit status.
    private static func reason(status: Int32, errors: URL) -> String {
        let message = (try? String(contentsOf: errors, encoding: .utf8))?
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.localizedCaseInsensitiveContains("error") }
        let detail = message.map { String($0.prefix(200)) } ?? "exit status \(status)"
        return "not a readable PDF (pdftotext: \(detail))"
    }

    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// `pdftotext` on the search path, or nil.
    func executableURL() -> URL? {
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? Self.defaultPath
        return path.split(separator: ":").lazy
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(Self.toolName) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
