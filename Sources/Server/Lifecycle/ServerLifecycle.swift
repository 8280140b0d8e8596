import Gateway
import Logging
import ServiceLifecycle

/// The life of `atrium serve`, as one swift-service-lifecycle `ServiceGroup`: it runs until
/// SIGTERM or SIGINT, then stops in this order —
///
/// 1. the HTTP server: no new connections; requests in flight, streams included, finish
///    within `shutdownGrace`, after which the rest are cut off (`cutOff` first ends the
///    streams with a clear error event);
/// 2. background work (audit retention, alert delivery);
/// 3. `afterServing` (the serving engine drains and stops);
/// 4. the accounting writer: every audit record and usage entry is committed.
///
/// ```swift
/// let lifecycle = ServerLifecycle(
///     application: app, writer: writer, shutdownGrace: .seconds(30),
///     afterServing: { await engine.shutdown() }, logger: logger)
/// try await lifecycle.run()     // returns after a graceful stop
/// ```
public struct ServerLifecycle: Sendable {
    public static let defaultShutdownGrace: Duration = .seconds(30)
    /// Beyond the grace period, how long the remaining steps may take before the group is
    /// cancelled (the writer still makes its last commit).
    static let shutdownMargin: Duration = .seconds(60)

    private let group: ServiceGroup

    public init(
        application: any Service, writer: AccountingWriter, shutdownGrace: Duration = Self.defaultShutdownGrace,
        afterServing: @escaping @Sendable () async -> Void = {}, background: [any Service] = [],
        cutOff: @escaping @Sendable () async -> Void = {}, logger: Logger
    ) {
        let started: [any Service] = [AccountingService(writer: writer), AfterServingService(action: afterServing)] + background
        let server = GracePeriodService(base: application, grace: shutdownGrace, cutOff: cutOff, logger: logger)
        typealias Configuration = ServiceGroupConfiguration.ServiceConfiguration
        // A service that returns or fails early stops the others in order, never by cancellation.
        let services = (started + [server]).map {
            Configuration(
                service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup)
        }
        var configuration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownGrace + Self.shutdownMargin
        group = ServiceGroup(configuration: configuration)
    }

    /// Runs until a signal (or a failure of the server) and a complete, ordered stop.
    public func run() async throws {
        try await group.run()
    }
}
