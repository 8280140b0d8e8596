import Console
import Foundation
import Gateway
import Hummingbird
import NIOCore
import Logging

/// The Hummingbird application: routes of DESIGN §4, the authentication middleware in front
/// of every route but the open operations ones, OpenAI-shaped errors everywhere, and one
/// access log line and request metrics per request.
///
/// ```swift
/// let app = AtriumServer.application(gateway: gateway, configuration: .init(port: 8080), logger: logger)
/// try await ServerLifecycle(application: app, writer: writer, logger: logger).run()
/// ```
public enum AtriumServer {
    /// The router alone (what route tests drive with `app.test(.router)`).
    /// - Parameter exposition: what `GET /metrics` serves; the gateway should record into it.
    public static func router(
        gateway: Gateway, configuration: ServerConfiguration, exposition: MetricsExposition = MetricsExposition(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) -> Router<AtriumRequestContext> {
        // HEAD wherever GET is routed: health checkers and proxies probe with it.
        let router = Router(context: AtriumRequestContext.self, options: .autoGenerateHeadEndpoints)
        // Router middleware must be added before any route: Hummingbird builds it into each.
        router.add(middleware: ObservabilityMiddleware(metrics: gateway.metrics))
        router.add(middleware: ClientHangUp.Middleware())
        router.add(middleware: OpenAIErrorMiddleware())
        OperationsRoutes(
            store: gateway.store, accountant: gateway.accountant, openAPI: OpenAPIDocument.json(), backend: gateway.backend
        ).register(on: router)
        // The web console: its own sessions instead of bearer keys, the same services behind.
        var console = configuration.console
        console.maximumUploadBytes = configuration.maximumUploadBytes
        ConsoleRoutes<AtriumRequestContext>(gateway: gateway, configuration: console, now: now) {
            request, context in
            ClientAddress.of(
                peer: context.remoteAddress, headers: request.headers, trustForwardedFor: configuration.trustForwardedFor)
        }.register(on: router)
        let door = AuthenticationMiddleware(gateway: gateway, trustForwardedFor: configuration.trustForwardedFor)
        var metricsDoor = door
        metricsDoor.metricsToken = configuration.metricsToken
        MetricsRoutes(gateway: gateway, exposition: exposition).register(on: router.group().add(middleware: metricsDoor))
        let authenticated = router.group().add(middleware: door)
        // The data plane: the team scope comes from each route's declared action, in the
        // context, and limits hold every request (see TeamRequestContext).
        let dataPlane = authenticated.group(context: TeamRequestContext.self)
            .add(middleware: DataPlaneLimitMiddleware(limits: gateway.limits))
        DataRoutes(gateway: gateway, maximumBodyBytes: configuration.maximumBodyBytes).register(on: dataPlane)
        KnowledgeRoutes(
            gateway: gateway, maximumBodyBytes: configuration.maximumBodyBytes,
            maximumUploadBytes: configuration.maximumUploadBytes
        ).register(on: dataPlane)
        AdminRoutes(gateway: gateway, maximumBodyBytes: configuration.maximumBodyBytes, now: now)
            .register(on: authenticated.group(context: AuthenticatedContext.self))
        AlertDestinationRoutes(gateway: gateway, maximumBodyBytes: configuration.maximumBodyBytes)
            .register(on: authenticated.group(context: AuthenticatedContext.self))
        SingleSignOnRoutes(gateway: gateway, maximumBodyBytes: configuration.maximumBodyBytes)
            .register(on: authenticated.group(context: AuthenticatedContext.self))
        return router
    }

    /// The HTTP server (a swift-service-lifecycle `Service`; ``ServerLifecycle`` runs it with
    /// the accounting writer and the engine).
    public static func application(
        gateway: Gateway, configuration: ServerConfiguration, exposition: MetricsExposition = MetricsExposition(),
        logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let connections = ConnectionGate.Counts(limits: ConnectionGate.Limits(
            total: configuration.connectionLimits.total, perAddress: configuration.connectionLimits.perAddress))
        return Application(
            router: router(gateway: gateway, configuration: configuration, exposition: exposition),
            server: .http1(configuration: .init(
                additionalChannelHandlers: [
                    ConnectionGate(counts: connections), ClientHangUp(),
                    ConnectionProgress(timeout: configuration.idleTimeout),
                ],
                idleTimeout: .seconds(configuration.idleTimeout.components.seconds))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "atrium"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}
