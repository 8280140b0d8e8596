import Gateway
import Hummingbird
import NIOCore
import Store

/// The open routes: liveness, readiness (the database answers) and the OpenAPI document.
struct OperationsRoutes {
    let store: AtriumStore
    let openAPI: ByteBuffer

    struct Status: Encodable {
        let status: String
    }

    func register(on router: some RouterMethods<AtriumRequestContext>) {
        router.on(AtriumRoute.health) { _, _ in try JSONOutput.response(Status(status: "ok")) }
        router.on(AtriumRoute.readiness) { _, _ in
            _ = try await store.appliedMigrations()
            return try JSONOutput.response(Status(status: "ready"))
        }
        let document = openAPI
        router.on(AtriumRoute.openAPI) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: document))
        }
    }
}
