import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The progress of `atrium ingest` on stderr: a bar redrawn in place on a terminal, one line
/// per file otherwise (logs, CI).
struct IngestProgress {
    let total: Int
    private let interactive = isatty(STDERR_FILENO) != 0
    private let width = 30

    init(total: Int) {
        self.total = total
    }

    func show(done: Int, current: String, outcome: String? = nil) {
        if interactive {
            let filled = total == 0 ? width : width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let name = current.count > 40 ? "…" + current.suffix(39) : current
            write("\r\u{1B}[K[\(bar)] \(done)/\(total) \(name)")
        } else if let outcome {
            write("[\(done)/\(total)] \(outcome) \(current)\n")
        }
    }

    func finish() {
        if interactive { write("\r\u{1B}[K") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
