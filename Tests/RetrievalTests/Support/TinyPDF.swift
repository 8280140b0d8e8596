import Foundation

/// Writes small, valid PDF files for tests: one page per list of lines, Helvetica text at the
/// given sizes and heights, with a correct cross-reference table.
enum TinyPDF {
    struct Line {
        var size: Int
        /// Distance from the bottom of the page, in points.
        var y: Int
        var text: String
    }

    static func make(pages: [[Line]]) -> Data {
        var objects: [String] = []
        let pageCount = pages.count
        // 1: catalog, 2: page tree, 3: font, then a page and its content stream per page.
        objects.append("<< /Type /Catalog /Pages 2 0 R >>")
        let kids = (0..<pageCount).map { "\(4 + 2 * $0) 0 R" }.joined(separator: " ")
        objects.append("<< /Type /Pages /Kids [\(kids)] /Count \(pageCount) >>")
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        for (index, lines) in pages.enumerated() {
            let contentNumber = 5 + 2 * index
            objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents \(contentNumber) 0 R "
                + "/Resources << /Font << /F1 3 0 R >> >> >>")
            let stream = "BT\n" + lines.map { "/F1 \($0.size) Tf 1 0 0 1 72 \($0.y) Tm (\(escaped($0.text))) Tj\n" }.joined() + "ET\n"
            objects.append("<< /Length \(stream.utf8.count) >>\nstream\n\(stream)endstream")
        }
        var file = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(file.utf8.count)
            file += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let crossReference = file.utf8.count
        file += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        file += offsets.map { String(repeating: "0", count: 10 - String($0).count) + "\($0) 00000 n \n" }.joined()
        file += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(crossReference)\n%%EOF\n"
        return Data(file.utf8)
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(")
            .replacingOccurrences(of: ")", with: "\\)")
    }
}
