import Foundation
import Gateway
import Hummingbird

/// Alert destinations (webhooks): an organization's under `/v1/admin/orgs/{org}/…`, the
/// platform's (owner) under `/v1/admin/alert-destinations`. Authorization, 404s for what the
/// caller may not see and the audit record happen in ``AdministrationService``.
struct AlertDestinationRoutes {
    let gateway: Gateway
    let maximumBodyBytes: Int

    private var admin: AdministrationService { gateway.administration }

    func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.on(AtriumRoute.createAlertDestination) {
            try await create($0, $1, organization: try $1.parameters.decoded("org"))
        }
        router.on(AtriumRoute.listAlertDestinations) { try await list($0, $1, organization: try $1.parameters.decoded("org")) }
        router.on(AtriumRoute.deleteAlertDestination) {
            try await delete($0, $1, organization: try $1.parameters.decoded("org"))
        }
        router.on(AtriumRoute.createPlatformAlertDestination) { try await create($0, $1, organization: nil) }
        router.on(AtriumRoute.listPlatformAlertDestinations) { try await list($0, $1, organization: nil) }
        router.on(AtriumRoute.deletePlatformAlertDestination) { try await delete($0, $1, organization: nil) }
    }

    private func create(_ request: Request, _ context: AuthenticatedContext, organization: String?) async throws
        -> Response
    {
        let body = try await JSONBody.decode(AlertDestinationBody.self, from: request, limit: maximumBodyBytes)
        let created = try await admin.createAlertDestination(
            body.order, organization: organization, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(AlertDestinationView(created: created), status: .created)
    }

    private func list(_ request: Request, _ context: AuthenticatedContext, organization: String?) async throws
        -> Response
    {
        let listings = try await admin.alertDestinations(
            organization: organization, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(ListView(data: listings.map(AlertDestinationView.init)))
    }

    private func delete(_ request: Request, _ context: AuthenticatedContext, organization: String?) async throws
        -> Response
    {
        try await admin.deleteAlertDestination(
            try context.parameters.decoded("id"), organization: organization, principal: context.principal, audit: context.audit
        )
        return Response(status: .noContent)
    }
}
