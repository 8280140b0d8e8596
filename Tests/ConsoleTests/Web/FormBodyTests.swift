import Testing

@testable import Console

/// Form bodies as browsers send them, and what the console refuses in them.
@Suite struct FormBodyTests {
    @Test func decodesPlusAndPercentEscapes() throws {
        let form = FormBody("name=a+b%26c&email=z%40example.com&empty=&flag")
        #expect(try form.value("name") == "a b&c")
        #expect(try form.value("email") == "z@example.com")
        #expect(try form.value("empty") == "")
        #expect(try form.text("empty") == nil)
        #expect(try form.value("flag") == "")
        #expect(try form.value("missing") == nil)
    }

    @Test func theFirstOfARepeatedFieldCounts() throws {
        #expect(try FormBody("csrf=good&csrf=evil").value("csrf") == "good")
    }

    @Test func controlCharactersAreRefusedButLineBreaksAreText() throws {
        #expect(throws: ConsoleFailure.self) { try FormBody("name=a%00b").value("name") }
        #expect(throws: ConsoleFailure.self) { try FormBody("name=a%1Bb").value("name") }
        #expect(try FormBody("prompt=line%0D%0Aline%09tab").value("prompt") == "line\r\nline\ttab")
    }

    /// A value that does not decode is refused, naming its field — never read as empty (a
    /// profile form once saved `%ff%fe` as an empty system prompt). Other fields still read.
    @Test func aValueThatDoesNotDecodeIsRefusedNotEmptied() throws {
        let form = FormBody("system_prompt=%ff%fe&email=%ZZ&name=ok")
        for field in ["system_prompt", "email"] {
            do {
                _ = try form.value(field)
                Issue.record("\(field) decoded")
            } catch let failure as ConsoleFailure {
                #expect(failure.status == 400 && failure.field == field)
            }
        }
        #expect(try form.value("name") == "ok")
    }

    @Test func aMissingRequiredFieldNamesTheField() {
        do {
            _ = try FormBody("other=1").required("name")
            Issue.record("a missing field was accepted")
        } catch let failure as ConsoleFailure {
            #expect(failure.status == 400)
            #expect(failure.field == "name")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func aFieldWhoseNameDoesNotDecodeIsDropped() throws {
        let form = FormBody("b=%&%=c")
        #expect(throws: ConsoleFailure.self) { try form.value("b") }
        #expect(try form.value("%") == nil)
    }
}
