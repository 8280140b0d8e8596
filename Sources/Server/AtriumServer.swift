import Foundation
import Gateway
import Hummingbird
import NIOCore
import Logging

/// The Hummingbird application: routes of DESIGN §4, the authentication middleware in front
/// of every route but the open operations ones, and OpenAI-shaped errors everywhere.
///
/// ```swift
/// let app = AtriumServer.application(gateway: gateway, writer: writer, configuration: .init(port: 8080), logger: logger)
/// try await app.runService()
/// ```
public enum AtriumServer {
    /// The router alone (what route tests drive with `app.test(.router)`).
    public static func router(
        gateway: Gateway, configuration: ServerConfiguration, now: @escaping @Sendable () -> Date = { Date() }
    ) -> Router<AtriumRequestContext> {
        let router = Router(context: AtriumRequestContext.self)
        // Router middleware must be added before any route: Hummingbird builds it into each.
        router.add(middleware: OpenAIErrorMiddleware())
        OperationsRoutes(store: gateway.store, openAPI: OpenAPIDocument.json()).register(on: router)
        let authenticated = router.group()
            .add(middleware: AuthenticationMiddleware(gateway: gateway))
            .group(context: AuthenticatedContext.self)
        DataRoutes(gateway: gateway, maximumBodyBytes: configuration.maximumBodyBytes).register(on: authenticated)
        KnowledgeRoutes(
            gateway: gateway, maximumBodyBytes: configuration.maximumBodyBytes,
            maximumUploadBytes: configuration.maximumUploadBytes
        ).register(on: authenticated)
        AdminRoutes(gateway: gateway, maximumBodyBytes: configuration.maximumBodyBytes, now: now)
            .register(on: authenticated)
        return router
    }

    /// The whole server: the router, and the accounting writer as a service that outlives it.
    public static func application(
        gateway: Gateway, writer: AccountingWriter, configuration: ServerConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(gateway: gateway, configuration: configuration),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "atrium"),
            services: [AccountingService(writer: writer)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}
