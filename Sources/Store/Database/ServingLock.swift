import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One process's claim to serve a SQLite store: an exclusive `flock` on a file beside the
/// database (`atrium.sqlite.lock`), taken without waiting and held for as long as this value
/// lives.
///
/// Two servers on one file would each keep their own directory cache, limits, queues and
/// address blocks (SQLite has no shared version to invalidate them by): a key revoked through
/// one would keep working on the other. So `atrium serve` takes this lock before it opens the
/// database and refuses to start while another process holds it; the read-only and
/// maintenance commands (`audit`, `usage`, `store copy`) never take it and run beside a server.
/// The kernel drops the lock when the process ends, however it ends (even `kill -9`), so a
/// crashed server never leaves a stale lock behind; the file itself stays, empty, and is
/// never removed (removing it would let a second process lock a new file of the same name).
final class ServingLock: Sendable {
    /// The lock file.
    let path: String
    private let descriptor: Int32

    /// Locks `database + ".lock"`, creating it if needed.
    /// - Throws: ``StoreInUse`` while another process holds the lock;
    ///   ``StoreError/unavailable(_:)`` naming the file and the cause when it cannot be made.
    init(database: String) throws {
        path = database + ".lock"
        // Close-on-exec: a child (a managed engine, a PDF tool) must not inherit the lock and
        // keep it after this process is gone.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError.unavailable("cannot write \(database): \(Self.cause(of: errno)) (its lock file \(path))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { throw StoreInUse(database: database, lockFile: path) }
            throw StoreError.unavailable("cannot lock \(database): \(Self.cause(of: code)) (its lock file \(path))")
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)  // and with it the lock
    }

    /// An `errno` from creating or locking the file, in words.
    static func cause(of code: Int32) -> String {
        switch code {
        case ENOSPC: "the disk is full"
        case EROFS: "the file system is read-only"
        case EACCES, EPERM: "permission denied (the folder is read-only to this user)"
        default: String(cString: strerror(code))
        }
    }
}
