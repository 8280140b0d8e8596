import AsyncHTTPClient
import Foundation
import NIOCore

/// The HTTP side of `atrium ingest`: one collection of one server, reached with one key.
struct IngestClient: Sendable {
    let baseURL: String
    let key: String
    let collection: String
    let client: HTTPClient

    /// What the server did with one file: `added`, `unchanged` or `replaced`, with the chunks it
    /// has and, replaced, how many of them kept their vectors from the version before.
    enum Outcome: Sendable {
        case stored(status: String, chunks: Int, keptChunks: Int)
        case rejected(reason: String)
    }

    /// Creates the collection unless the team has it already.
    func ensureCollection() async throws {
        let (status, body) = try await send("POST", "/v1/collections", json: ["name": collection])
        switch status {
        case 201, 409: return
        default: throw IngestError("cannot create the collection '\(collection)': \(Self.message(status, body))")
        }
    }

    /// Uploads one file as `multipart/form-data`. 4xx answers about the file are rejections;
    /// a refused key or a server fault stops the run.
    func upload(_ data: Data, name: String) async throws -> Outcome {
        let boundary = "atrium-" + UUID().uuidString
        var body = Data()
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n".utf8))
        body.append(Data(name.utf8))
        let fileName = Self.headerSafe(URL(fileURLWithPath: name).lastPathComponent)
        body.append(
            Data(
                "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8))
        body.append(data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let path = "/v1/collections/\(Self.pathComponent(collection))/documents"
        let (status, answer) = try await send("POST", path, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
        switch status {
        case 200, 201:
            let json = (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any]
            return .stored(
                status: json?["status"] as? String ?? "added", chunks: json?["chunks"] as? Int ?? 0,
                keptChunks: json?["reused_chunks"] as? Int ?? 0)
        case 401, 403:
            throw IngestError("the server refused the key: \(Self.message(status, answer))")
        case 400..<500:
            return .rejected(reason: Self.message(status, answer))
        default:
            throw IngestError("the server failed on '\(name)': \(Self.message(status, answer))")
        }
    }

    private func send(_ method: String, _ path: String, json: [String: Any]) async throws -> (Int, Data) {
        try await send(method, path, body: try JSONSerialization.data(withJSONObject: json), contentType: "application/json")
    }

    private func send(_ method: String, _ path: String, body: Data, contentType: String) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(600))
        } catch {
            throw IngestError("cannot reach \(baseURL): \(error)")
        }
        let answer = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), Data(answer.readableBytesView))
    }

    /// The OpenAI-shaped error's message, or the status.
    static func message(_ status: Int, _ body: Data) -> String {
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        if let error = json?["error"] as? [String: Any], let message = error["message"] as? String {
            return "\(message) (HTTP \(status))"
        }
        return "HTTP \(status)"
    }

    /// A file name fit for a quoted header parameter (the real name travels in the `name` field).
    static func headerSafe(_ name: String) -> String {
        String(name.unicodeScalars.map { $0 == "\"" || $0 == "\\" || $0.value < 32 || $0.value > 126 ? "_" : Character($0) })
    }

    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }
}
