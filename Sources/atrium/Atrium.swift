import ArgumentParser

@main
struct Atrium: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atrium",
        abstract: "A multi-tenant LLM server: one local model, many teams, strict isolation.",
        subcommands: [Serve.self, AuditCommand.self, Bench.self, Inspect.self]
    )
}
