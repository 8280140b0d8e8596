import Testing
@testable import Store

/// The repositories write `?`; PostgreSQL reads `$n`. Only real placeholders are numbered.
@Suite struct PostgresPlaceholdersTests {
    @Test func placeholdersAreNumberedInOrder() {
        #expect(
            PostgresPlaceholders.numbered("SELECT * FROM t WHERE a = ? AND (b = ? OR c = ?)")
                == "SELECT * FROM t WHERE a = $1 AND (b = $2 OR c = $3)")
    }

    @Test func questionMarksInLiteralsIdentifiersAndCommentsStay() {
        let sql = """
            SELECT 'what?', 'it''s ?', "odd?column" FROM t -- why?
            WHERE a = ?
            """
        #expect(
            PostgresPlaceholders.numbered(sql) == """
                SELECT 'what?', 'it''s ?', "odd?column" FROM t -- why?
                WHERE a = $1
                """)
    }

    @Test func aScriptIsCutIntoItsStatementsOnly() {
        let script = """
            CREATE TABLE a (x TEXT DEFAULT ';');
            -- a comment; not a statement
            CREATE POLICY p ON a USING (x <> ';');

            """
        #expect(
            PostgresPlaceholders.statements(of: script) == [
                "CREATE TABLE a (x TEXT DEFAULT ';')",
                "-- a comment; not a statement\nCREATE POLICY p ON a USING (x <> ';')",
            ])
    }

    @Test func aFunctionBodyInDollarQuotesStaysOneStatement() {
        let script = """
            CREATE FUNCTION f(x TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$
            BEGIN
                IF x = '?' THEN RETURN 'a;b'; END IF;
                RETURN x;
            END $$;
            SELECT f(?);
            """
        let statements = PostgresPlaceholders.statements(of: script)
        #expect(statements.count == 2)
        #expect(statements.first?.hasSuffix("END $$") == true)
        #expect(PostgresPlaceholders.numbered(statements.last ?? "") == "SELECT f($1)")
        #expect(PostgresPlaceholders.numbered(statements.first ?? "").contains("x = '?'"))
    }

    @Test func sqlWithoutPlaceholdersIsUnchanged() {
        #expect(PostgresPlaceholders.numbered("SELECT 1") == "SELECT 1")
    }
}
