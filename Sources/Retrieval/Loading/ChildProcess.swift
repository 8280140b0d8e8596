import Foundation
import Synchronization

/// A program Atrium runs beside itself — `pdftotext` for a PDF upload, a managed engine —
/// started with `posix_spawn`.
///
/// Not `Foundation.Process`: on Linux its `run()` lists `/proc/self/fd` to close the parent's
/// descriptors in the child and over-reads the last entry once that listing fills glibc's 32 KiB
/// buffer, about 1,365 open descriptors (swift-corelibs-foundation#5472) — a server with a
/// thousand connections would crash on its next PDF. Here the child closes every descriptor
/// from 3 up itself (`posix_spawn_file_actions_addclosefrom_np`), whatever the parent holds.
///
/// Safe to query, signal and wait on from any thread. The exit status is collected by polling
/// `waitpid(pid, WNOHANG)`, so nothing else in the process needs to cooperate — and an exit is
/// seen at once, where `Foundation.Process` learns of it through a socket the child holds, which
/// a program spawned from another thread at that moment may inherit (the exit is then seen only
/// when that one exits too).
///
/// ```swift
/// let child = try ChildProcess(executable: "/usr/bin/pdftotext", arguments: ["in.pdf", "out.txt"])
/// let status = child.waitUntilExit()   // 0: done
/// ```
public final class ChildProcess: Sendable {
    public let processIdentifier: pid_t
    /// The exit code, or the number of the signal that ended it, once collected.
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` (a path; no search) with `arguments` and `environment` (nil: this
    /// process's). The standard descriptors are the given ones, duplicated into the child, or
    /// `/dev/null` where nil; the child inherits no other descriptor.
    public init(executable: String, arguments: [String], environment: [String: String]? = nil,
                standardInput: Int32? = nil, standardOutput: Int32? = nil, standardError: Int32? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source, mode) in [(Int32(0), standardInput, O_RDONLY), (1, standardOutput, O_WRONLY),
                                       (2, standardError, O_WRONLY)] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", mode, 0)
            }
        }
        if let closeFrom = Self.addCloseFrom {
            _ = closeFrom(&actions, 3)
        } else {
            // glibc before 2.34: close what is open now (read without the over-read above).
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default signal handling and no blocked signals in the child, whatever this process set
        // up; its own process group, so a terminal's ^C reaches it only through us.
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        var result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // "Text file busy": some process still holds the program open for writing. In a
        // process that spawns from several threads that is often a sibling child between its
        // spawn and its exec, which inherited the descriptor a program (or script) was just
        // written with; it lets go within moments.
        for wait in Self.busyRetryWaits where result == ETXTBSY {
            usleep(wait)
            result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        guard result == 0 else { throw ChildProcessError.couldNotStart(executable, errno: result) }
        processIdentifier = pid
    }

    /// Pauses (µs) before each new try while the program is busy: about half a second in all.
    static let busyRetryWaits: [UInt32] = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000]

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up at run
    /// time: Swift's Glibc module does not declare the GNU extensions.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// Whether it is still running (collects its status once it is not).
    public var isRunning: Bool { terminationStatus == nil }

    /// The exit code, or the number of the signal that ended it; nil while it runs.
    public var terminationStatus: Int32? {
        status.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                let collected = waitpid(processIdentifier, &raw, WNOHANG)
                if collected == processIdentifier {
                    let signal = raw & 0x7f
                    status = signal == 0 ? (raw >> 8) & 0xff : signal
                } else if collected == -1, errno == ECHILD {
                    status = -1  // collected elsewhere: gone, status unknown
                }
            }
            return status
        }
    }

    /// Blocks until it has exited; its ``terminationStatus``.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        while true {
            if let status = terminationStatus { return status }
            usleep(5_000)
        }
    }

    /// Sends `signal` (SIGTERM, SIGKILL, …) unless it has already been collected.
    public func send(_ signal: Int32) {
        status.withLock { status in
            // Once collected, the pid may belong to another process.
            if status == nil { kill(processIdentifier, signal) }
        }
    }
}

public enum ChildProcessError: Error, CustomStringConvertible {
    case couldNotStart(String, errno: Int32)

    public var description: String {
        switch self {
        case let .couldNotStart(executable, errno): "could not start \(executable): \(String(cString: strerror(errno)))"
        }
    }
}
