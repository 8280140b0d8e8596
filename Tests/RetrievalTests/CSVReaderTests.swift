import Foundation
import Testing
@testable import Retrieval

@Suite("CSV reader")
struct CSVReaderTests {
    private func text(_ csv: String) throws -> String {
        try DocumentLoader().load(Data(csv.utf8), fileName: "table.csv", contentType: nil).plainText
    }

    @Test("each row reads as header: value lines; empty values are left out")
    func rowsAsRecords() throws {
        #expect(try text("name,city,note\nAda,London,\nBob,Paris,likes tea\n")
            == "name: Ada\ncity: London\n\nname: Bob\ncity: Paris\nnote: likes tea")
    }

    @Test("RFC 4180 quoting: separators, doubled quotes and line breaks inside quotes; CRLF rows")
    func quoting() throws {
        #expect(try text("product,description\r\n\"Tea, green\",\"He said \"\"fine\"\"\r\nand left\"\r\n")
            == "product: Tea, green\ndescription: He said \"fine\" and left")
    }

    @Test("semicolon- and tab-separated files are recognised from the header")
    func otherSeparators() throws {
        #expect(try text("name;price\nTea;3,50\n") == "name: Tea\nprice: 3,50")
        #expect(try text("name\tprice\nTea\t3.50\n") == "name: Tea\nprice: 3.50")
    }

    @Test("extra fields get a column name; blank lines are skipped")
    func ragged() throws {
        #expect(try text("a,b\n1,2,3\n\n4\n") == "a: 1\nb: 2\ncolumn 3: 3\n\na: 4")
    }

    @Test("an unclosed quote or text after a closing quote is malformed, with its line")
    func malformed() {
        #expect(throws: LoadingError.malformed(fileName: "table.csv", reason: "line 2: a quoted field is never closed")) {
            try text("a,b\n\"open,2\n")
        }
        #expect(throws: LoadingError.malformed(fileName: "table.csv", reason: "line 2: text after a closing quote")) {
            try text("a,b\n\"x\"y,2\n")
        }
    }
}
