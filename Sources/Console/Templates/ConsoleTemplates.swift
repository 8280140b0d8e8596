import Mustache

/// Every console template, parsed once. Rendering escapes every `{{variable}}` for HTML.
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
        var library = MustacheLibrary()
        for (name, source) in Self.sources {
            do {
                try library.register(source, named: name)
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
