import ArgumentParser
import Console
import Gateway

/// The web console's sign-in settings on `atrium serve` (the console itself is always on, at
/// `/console` on the same port).
struct ConsoleOptions: ParsableArguments {
    @Flag(
        name: .customLong("console-secure-cookies"),
        help:
            "Mark the console's cookies Secure and name them __Host-… (Path=/; no other port or subdomain can plant one): set it whenever the console is reached over HTTPS (e.g. behind a TLS proxy)."
    )
    var secureCookies = false

    @Option(
        name: .customLong("console-session-hours"),
        help: "A console session ends this many hours after sign-in, however much it is used.")
    var sessionHours = ConsoleSessions.SessionTerms.standard.lifetime / 3600

    @Option(
        name: .customLong("console-idle-minutes"),
        help: "A console session ends after this many minutes without a request.")
    var idleMinutes = ConsoleSessions.SessionTerms.standard.idleTimeout / 60

    func validate() throws {
        guard sessionHours.isFinite, sessionHours > 0, sessionHours <= 24 * 30 else {
            throw ValidationError("--console-session-hours must be more than 0 and at most 720")
        }
        guard idleMinutes.isFinite, idleMinutes >= 1, idleMinutes <= sessionHours * 60 else {
            throw ValidationError("--console-idle-minutes must be at least 1 and at most the session's lifetime")
        }
    }

    var configuration: ConsoleConfiguration {
        ConsoleConfiguration(
            secureCookies: secureCookies,
            sessionTerms: .init(lifetime: sessionHours * 3600, idleTimeout: idleMinutes * 60))
    }
}
