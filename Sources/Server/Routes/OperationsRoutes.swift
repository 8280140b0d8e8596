import Gateway
import Hummingbird
import NIOCore
import Store

/// The open routes: liveness, readiness (the database answers and takes the audit records,
/// and in front of upstreams, every model has an upstream up) and the OpenAPI document.
struct OperationsRoutes {
    let store: AtriumStore
    let accountant: Accountant
    let openAPI: ByteBuffer
    var backend: (any LanguageModelBackend)? = nil

    struct Status: Encodable {
        let status: String
        /// Each upstream by model and position among its flags, up or not — never its URL, nor
        /// its requests in flight (the route is open: any caller could watch another team's
        /// traffic on its model, attack round 7; the owner's `/metrics` has them).
        var upstreams: [Upstream]? = nil
    }

    struct Upstream: Encodable {
        let model: String
        let upstream: Int
        let up: Bool
    }

    func register(on router: some RouterMethods<AtriumRequestContext>) {
        router.on(AtriumRoute.health) { _, _ in try JSONOutput.response(Status(status: "ok")) }
        let backend = backend
        router.on(AtriumRoute.readiness) { _, _ in
            // A database that does not answer (PostgreSQL down) makes this replica not ready.
            // So does one that answers but cannot commit (its disk full): it serves nothing.
            guard !accountant.isFailing, await store.isReachable() else {
                return try JSONOutput.response(Status(status: "not_ready"), status: .serviceUnavailable)
            }
            let statuses = backend?.upstreams ?? []
            guard !statuses.isEmpty else { return try JSONOutput.response(Status(status: "ready")) }
            let upstreams = statuses.map { Upstream(model: $0.model, upstream: $0.index, up: $0.healthy) }
            // Ready when every model has an upstream up.
            let down = Set(statuses.map(\.model)).subtracting(statuses.filter(\.healthy).map(\.model))
            return try JSONOutput.response(
                Status(status: down.isEmpty ? "ready" : "not_ready", upstreams: upstreams),
                status: down.isEmpty ? .ok : .serviceUnavailable)
        }
        let document = openAPI
        router.on(AtriumRoute.openAPI) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: document))
        }
    }
}
