import AtriumTestSupport
import Foundation
import Testing

/// The web console in a real browser: Debian's headless Chromium driven by Selenium
/// (`make setup` installs chromium, chromium-driver and selenium) against `atrium serve` with
/// the real SmolLM2 model. The script signs in with a key, builds a team, users,
/// memberships and keys through the forms, edits the profile and sees the next playground
/// answer change, uploads a document and sees the playground cite it (name and section),
/// checks that a member reaches no admin page, that XSS and CSRF attempts fail, that a refused
/// profile value shows next to its field, that the audit chain verifies, that a cross-team
/// attempt shows on the alerts page, and that pages are labelled, keyboard-usable and fit a
/// phone's width (Tests/ServerTests/Scripts/console_browser.py).
@Suite(.serialized) struct ConsoleBrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scripts/console_browser.py")

    static var browserInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
            && (try? ProgramRun.runBlocking(["python3", "-c", "import selenium"]).status) == 0
    }

    @Test(.enabled(if: browserInstalled, "chromium, chromium-driver or selenium missing (make setup installs them)"))
    func theConsoleWorksInARealBrowser() async throws {
        let model = try #require(EmbeddedModelEndToEndTests.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        let miniLM = try #require(KnowledgeEndToEndTests.miniLMFolder, "MiniLM not fetched (scripts/fetch-models)")
        let owner = "owner-key-for-console-browser-test"
        let server = try await ServerProcess(
            upstream: nil, extraArguments: ["--model", model, "--embedding-model", miniLM, "--threads", "2"],
            environment: ["ATRIUM_ADMIN_KEY": owner])
        // Chromium at a lower priority: the suites running beside it keep their share of the cores.
        let result = try await ProgramRun.run(
            ["nice", "-n", "10", "python3", Self.script.path], environment: ["ATRIUM_URL": server.baseURL, "ATRIUM_OWNER_KEY": owner])
        #expect(result.status == 0, "\(result.output)")
        let lastLine = result.output.split(separator: "\n").last.map(String.init) ?? ""
        let observed = try #require(
            try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any], "\(result.output)")
        #expect(observed["ok"] as? Bool == true)
        #expect(observed["xss_rendered_as_text"] as? Bool == true)
        #expect(observed["csrf_refused"] as? Bool == true)
        #expect(observed["cited"] as? String == "returns.md")
        #expect((observed["audit_chain"] as? String)?.hasPrefix("Verified") == true)
        #expect(observed["alert"] as? String == "cross_team_attempt")
        // Labels on every control and no sideways scrolling at 390 px, page by page.
        #expect((observed["usable_pages"] as? [String])?.count == 7)
    }
}
