import Foundation
import ZIPFoundation

/// Reads `.docx`: the paragraphs of `word/document.xml` in order; paragraphs in a heading
/// style (`Heading 1`…`Heading 9`, `Title`, or any style or paragraph with an outline level)
/// build the heading path; each table row becomes one paragraph of its cells, `|`-separated.
struct DOCXReader: DocumentReader {
    /// The largest XML part read; a ZIP bomb stops here instead of filling memory.
    var maximumPartSize = 64 * 1024 * 1024

    func read(_ data: Data, fileName: String) throws(LoadingError) -> [DocumentSection] {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw .malformed(fileName: fileName, reason: "not a ZIP archive, which a .docx file is")
        }
        guard let document = try part("word/document.xml", of: archive, fileName: fileName) else {
            throw .malformed(fileName: fileName, reason: "no word/document.xml: not a Word document")
        }
        let styles = try part("word/styles.xml", of: archive, fileName: fileName)
            .map { xml throws(LoadingError) in try DOCXStyles(xml: xml, fileName: fileName) } ?? DOCXStyles()
        return try DOCXDocumentParser.sections(of: document, styles: styles, fileName: fileName)
    }

    /// The uncompressed bytes of the archive entry at `path`, or nil when there is none.
    private func part(_ path: String, of archive: Archive, fileName: String) throws(LoadingError) -> Data? {
        guard let entry = archive[path] else { return nil }
        var content = Data()
        let limit = maximumPartSize
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                // The declared size can lie; count what actually comes out.
                guard content.count + chunk.count <= limit else { throw PartTooLarge() }
                content.append(chunk)
            }
        } catch is PartTooLarge {
            throw .malformed(fileName: fileName, reason: "\(path) is larger than \(limit / 1_048_576) MB")
        } catch {
            throw .malformed(fileName: fileName, reason: "\(path) could not be decompressed")
        }
        return content
    }

    private struct PartTooLarge: Error {}
}
