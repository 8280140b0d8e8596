import Mustache

/// Every console template, parsed once. Rendering escapes every `{{variable}}` for HTML
/// (`ScalarHTMLEscaping`).
struct ConsoleTemplates: Sendable {
    static let sources: [String: String] = [
        "layout": LayoutTemplates.layout,
        "sign-in": LayoutTemplates.signIn,
        "error": LayoutTemplates.error,
        "home": LayoutTemplates.home,
        "organizations": DirectoryTemplates.organizations,
        "organization": DirectoryTemplates.organization,
        "team": DirectoryTemplates.team,
        "issued-key": DirectoryTemplates.issuedKey,
        "profile": TeamTemplates.profile,
        "playground": TeamTemplates.playground,
        "limits": TeamTemplates.limits,
        "audit": DirectoryTemplates.audit,
        "alerts": DirectoryTemplates.alerts,
        "usage": DirectoryTemplates.usage,
        "chart": DirectoryTemplates.chart,
        "knowledge": TeamTemplates.knowledge,
        "collection": TeamTemplates.collection,
    ]

    private let library: MustacheLibrary

    init() {
        ScalarHTMLEscaping.register()
        var library = MustacheLibrary()
        for (name, source) in Self.sources {
            do {
                try library.register(ScalarHTMLEscaping.pragma + source, named: name)
            } catch {
                // The templates are constants of this file; ConsoleTemplatesTests parses each.
                preconditionFailure("console template '\(name)' does not parse: \(error)")
            }
        }
        self.library = library
    }

    func render(_ name: String, _ values: [String: Any]) -> String {
        library.render(values, withTemplate: name) ?? ""
    }
}

/// HTML escaping by Unicode scalar. swift-mustache's own escapes a template's text by
/// `Character`, and a quote followed by a combining mark (`"` U+0301) is one `Character` that
/// its table does not list, so it went out raw — and a browser still ends the attribute at that
/// quote: a document named `x"́ formaction=… name=… value=…` added attributes to the console's
/// Delete button. Every template starts with this content type's pragma.
struct ScalarHTMLEscaping: MustacheContentType {
    static let name = "ATRIUM_HTML"
    static let pragma = "{{% CONTENT_TYPE: \(name)}}"

    private static let registered: Void = MustacheContentTypes.register(ScalarHTMLEscaping(), named: name)

    /// Makes the pragma's name known to the template parser (once per process).
    static func register() { _ = registered }

    func escapeText(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
