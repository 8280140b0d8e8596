import ArgumentParser

@main
struct Atrium: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atrium",
        abstract: "A multi-tenant LLM server: one local model, many teams, strict isolation.",
        subcommands: [Serve.self, Generate.self, Bench.self, Embed.self, Ingest.self, Inspect.self, AuditCommand.self, UsageCommand.self, BenchSearch.self, BenchStore.self, Migrate.self, StoreCommand.self]
    )
}
