import AtriumTestSupport
import Foundation
import Retrieval
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Debian's nginx in front of Atrium replicas, configured by the very file the README shows
/// (`deploy/nginx/atrium.conf`) with its example addresses swapped for the test's free ports,
/// inside a minimal `nginx.conf` of the test's own (pid, logs and temporary files in a folder
/// removed when the value goes). One process (`master_process off`), so a kill leaves no
/// worker behind.
final class NginxProcess: @unchecked Sendable {
    static let template = MockUpstream.repositoryRoot.appendingPathComponent("deploy/nginx/atrium.conf")
    /// The addresses the template names: where nginx listens, then the replicas.
    static let exampleListen = "127.0.0.1:8080"
    static let exampleReplicas = ["127.0.0.1:8081", "127.0.0.1:8082"]

    let port: Int
    let folder: URL
    /// Not `Foundation.Process`: see ``ChildProcess``.
    private let process: ChildProcess

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The nginx binary, or the test is cancelled saying why (`make test` installs it).
    static func binary() throws -> String {
        for path in ["/usr/sbin/nginx", "/usr/bin/nginx"] where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let reason = "nginx case skipped: nginx is not installed (make apt installs Debian's nginx)"
        FileHandle.standardError.write(Data("warning: \(reason)\n".utf8))
        try Test.cancel(Comment(rawValue: reason))
    }

    /// The template with the example addresses replaced; fails if the template no longer
    /// names each exactly once (the README's example and this test would then differ).
    static func render(listen: Int, replicas: [Int]) throws -> String {
        var text = try String(contentsOf: template, encoding: .utf8)
        let replacements = zip([exampleListen] + exampleReplicas, [listen] + replicas)
        for (example, port) in replacements {
            let occurrences = text.components(separatedBy: example).count - 1
            guard occurrences == 1 else { throw NginxProcessError.template("\(example) occurs \(occurrences) times") }
            text = text.replacingOccurrences(of: example, with: "127.0.0.1:\(port)")
        }
        return text
    }

    init(replicas: [Int]) async throws {
        let nginx = try Self.binary()
        port = try LoopbackPort.free()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.path
        try Self.render(listen: port, replicas: replicas).write(
            to: folder.appendingPathComponent("atrium.conf"), atomically: true, encoding: .utf8)
        // Workers of a root master would run as `nobody`; the test's nginx stays the caller.
        let user = geteuid() == 0 ? "user root;\n" : ""
        let main = """
            \(user)daemon off;
            master_process off;
            pid \(path)/nginx.pid;
            error_log \(path)/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log \(path)/access.log;
                client_body_temp_path \(path)/body;
                proxy_temp_path \(path)/proxy;
                fastcgi_temp_path \(path)/fastcgi;
                uwsgi_temp_path \(path)/uwsgi;
                scgi_temp_path \(path)/scgi;
                include \(path)/atrium.conf;
            }
            """
        try main.write(to: folder.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        process = try ChildProcess(
            executable: nginx, arguments: ["-p", path, "-e", "\(path)/error.log", "-c", "\(path)/nginx.conf"])
        do {
            let listening = port
            try await offThePool { try LoopbackPort.waitUntilListening(listening, timeout: .seconds(20)) }
        } catch {
            stop()
            throw NginxProcessError.didNotStart(errorLog)
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// What nginx logged (warnings and errors: upstreams that failed).
    var errorLog: String {
        (try? String(contentsOf: folder.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
    }

    /// Stops nginx (SIGKILL: it keeps no state worth a graceful stop) and waits.
    func stop() {
        guard process.isRunning else { return }
        process.send(SIGKILL)
        process.waitUntilExit()
    }
}

enum NginxProcessError: Error, CustomStringConvertible {
    case template(String)
    case didNotStart(String)

    var description: String {
        switch self {
        case let .template(problem): "deploy/nginx/atrium.conf no longer fits the test: \(problem)"
        case let .didNotStart(log): "nginx did not start:\n\(log)"
        }
    }
}
