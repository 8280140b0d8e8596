import Foundation
import Testing
import ZIPFoundation

/// Builds `.docx` files for tests: a ZIP archive with the given WordprocessingML body and,
/// optionally, a styles part.
enum TinyDOCX {
    static let namespaces = """
        xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" \
        xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
        """

    /// `body` is the inside of `<w:body>`.
    static func make(body: String, styles: String? = nil) throws -> Data {
        var parts = [
            "[Content_Types].xml": """
                <?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                <Override PartName="/word/document.xml" \
                ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
                """,
            "word/document.xml": """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <w:document \(namespaces)><w:body>\(body)</w:body></w:document>
                """,
        ]
        if let styles {
            parts["word/styles.xml"] = """
                <?xml version="1.0" encoding="UTF-8"?><w:styles \(namespaces)>\(styles)</w:styles>
                """
        }
        return try archive(parts)
    }

    /// A ZIP archive holding `parts` (deflated), in name order.
    static func archive(_ parts: [String: String]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (path, content) in parts.sorted(by: { $0.key < $1.key }) {
            let data = Data(content.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return try #require(archive.data)
    }

    /// A paragraph in `style` (none for body text).
    static func paragraph(_ text: String, style: String? = nil) -> String {
        let properties = style.map { "<w:pPr><w:pStyle w:val=\"\($0)\"/></w:pPr>" } ?? ""
        return "<w:p>\(properties)<w:r><w:t xml:space=\"preserve\">\(text)</w:t></w:r></w:p>"
    }
}
