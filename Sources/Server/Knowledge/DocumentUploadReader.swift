import Foundation
import Gateway
import Hummingbird
import NIOCore
import Retrieval

/// Reads a document upload within the upload limit (413 above it): `multipart/form-data` with
/// a `file` part (or JSON `{"name", "text", "content_type"?}` for any other content type).
enum DocumentUploadReader {
    static func read(_ request: Request, limit: Int) async throws -> DocumentUpload {
        let contentType = request.headers[.contentType] ?? ""
        guard let boundary = try MultipartFormData.boundary(ofContentType: contentType) else {
            return try await JSONBody.decode(DocumentBody.self, from: request, limit: limit).upload
        }
        let buffer = try await request.body.collect(upTo: limit)
        guard buffer.readableBytes > 0 else { throw GatewayError.invalid("The request body is empty") }
        let form = try MultipartFormData(body: Data(buffer.readableBytesView), boundary: boundary)
        // One document an upload: a second file, name or content type was dropped without a
        // word, and the client believed both stored (attack round 7).
        let files = form.parts.filter { $0.name == "file" || $0.fileName != nil }.count
        guard files <= 1 else {
            throw GatewayError.invalid("The upload holds \(files) files: send one document a request", param: "file")
        }
        for field in ["name", "content_type"] where form.parts.count(where: { $0.name == field }) > 1 {
            throw GatewayError.invalid("The upload gives '\(field)' twice", param: field)
        }
        guard let file = form.part(named: "file") ?? form.parts.first(where: { $0.fileName != nil }) else {
            throw GatewayError.invalid("The upload has no 'file' part", param: "file")
        }
        let name = form.text(named: "name") ?? file.fileName ?? ""
        guard !name.isEmpty else {
            throw GatewayError.invalid("The upload names no document: give the file a filename or send a 'name' field", param: "name")
        }
        return DocumentUpload(name: name, data: file.body, contentType: form.text(named: "content_type") ?? file.contentType)
    }
}
