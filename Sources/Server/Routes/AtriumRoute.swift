import HTTPTypes
import Tenancy

/// Every HTTP route of Atrium, in one place: the router registers exactly these, the OpenAPI
/// document describes exactly these, and the permission matrix test walks them.
public enum AtriumRoute: String, CaseIterable, Sendable {
    // Operations (open).
    case health, readiness, openAPI
    // Operations (the owner's key or the metrics token).
    case metrics
    // Data plane.
    case listModels, retrieveModel, chatCompletions, query, createEmbeddings
    // Knowledge (the key's team).
    case createCollection, listCollections, deleteCollection
    case addDocument, listDocuments, deleteDocument, searchCollection
    // Administration.
    case createOrganization, listOrganizations, createTeam, listTeams, appointOrganizationAdmin, removeOrganizationAdmin
    case createUser, addOrganizationUser, removeOrganizationUser
    case setMember, removeMember, listMembers
    case issueKey, listKeys, revokeKey, rotateKey
    case readProfile, saveProfile, readLimits, setLimits
    case readAudit, readUsage, readAlerts, verifyAudit
    // Alert destinations (webhooks): an organization's, and the platform's (owner).
    case createAlertDestination, listAlertDestinations, deleteAlertDestination
    case createPlatformAlertDestination, listPlatformAlertDestinations, deletePlatformAlertDestination
    // Single sign-on: an organization's group mappings (owner, org admin).
    case readSingleSignOnMappings, saveSingleSignOnMappings
    // Budgets per team, user and key; model prices (owner).
    case readBudgets, setBudget, deleteBudget, listPrices, setPrice

    public var method: HTTPRequest.Method {
        switch self {
        case .chatCompletions, .query, .createOrganization, .createTeam, .createUser, .issueKey, .rotateKey: .post
        case .createEmbeddings, .createCollection, .addDocument, .searchCollection: .post
        case .createAlertDestination, .createPlatformAlertDestination: .post
        case .appointOrganizationAdmin, .addOrganizationUser, .setMember, .saveProfile, .setLimits: .put
        case .saveSingleSignOnMappings, .setBudget, .setPrice: .put
        case .deleteBudget: .delete
        case .removeMember, .removeOrganizationAdmin, .removeOrganizationUser, .revokeKey, .deleteCollection,
            .deleteDocument:
            .delete
        case .deleteAlertDestination, .deletePlatformAlertDestination: .delete
        default: .get
        }
    }

    /// The path, with `{parameters}` as both Hummingbird and OpenAPI write them.
    public var path: String {
        switch self {
        case .health: "/healthz"
        case .readiness: "/readyz"
        case .openAPI: "/openapi.json"
        case .metrics: "/metrics"
        case .listModels: "/v1/models"
        case .retrieveModel: "/v1/models/{model}"
        case .chatCompletions: "/v1/chat/completions"
        case .query: "/query"
        case .createEmbeddings: "/v1/embeddings"
        case .createCollection, .listCollections: "/v1/collections"
        case .deleteCollection: "/v1/collections/{name}"
        case .addDocument, .listDocuments: "/v1/collections/{name}/documents"
        case .deleteDocument: "/v1/collections/{name}/documents/{id}"
        case .searchCollection: "/v1/collections/{name}/search"
        case .createOrganization, .listOrganizations: "/v1/admin/orgs"
        case .createTeam, .listTeams: "/v1/admin/orgs/{org}/teams"
        case .appointOrganizationAdmin, .removeOrganizationAdmin: "/v1/admin/orgs/{org}/admins/{user}"
        case .createUser: "/v1/admin/users"
        case .addOrganizationUser, .removeOrganizationUser: "/v1/admin/orgs/{org}/users/{user}"
        case .setMember, .removeMember: "/v1/admin/teams/{team}/members/{user}"
        case .listMembers: "/v1/admin/teams/{team}/members"
        case .issueKey, .listKeys: "/v1/admin/keys"
        case .revokeKey: "/v1/admin/keys/{id}"
        case .rotateKey: "/v1/admin/keys/{id}/rotate"
        case .readProfile, .saveProfile: "/v1/admin/teams/{team}/profile"
        case .readLimits, .setLimits: "/v1/admin/teams/{team}/limits"
        case .readAudit: "/v1/admin/audit"
        case .verifyAudit: "/v1/admin/audit/verify"
        case .readUsage: "/v1/admin/usage"
        case .readAlerts: "/v1/admin/alerts"
        case .createAlertDestination, .listAlertDestinations: "/v1/admin/orgs/{org}/alert-destinations"
        case .deleteAlertDestination: "/v1/admin/orgs/{org}/alert-destinations/{id}"
        case .createPlatformAlertDestination, .listPlatformAlertDestinations: "/v1/admin/alert-destinations"
        case .deletePlatformAlertDestination: "/v1/admin/alert-destinations/{id}"
        case .readSingleSignOnMappings, .saveSingleSignOnMappings: "/v1/admin/orgs/{org}/sso/mappings"
        case .readBudgets, .setBudget: "/v1/admin/teams/{team}/budgets"
        case .deleteBudget: "/v1/admin/teams/{team}/budgets/{id}"
        case .listPrices: "/v1/admin/prices"
        case .setPrice: "/v1/admin/prices/{model}"
        }
    }

    /// What the route asks ``Policy`` for; `nil` for the open operations routes.
    public var action: Action? {
        switch self {
        case .health, .readiness, .openAPI: nil
        case .metrics: .readMetrics
        case .listModels, .retrieveModel: .listModels
        case .chatCompletions, .query: .chat
        case .createEmbeddings: .embed
        case .createCollection, .deleteCollection, .addDocument, .deleteDocument: .writeDocuments
        case .listCollections, .listDocuments: .readDocuments
        case .searchCollection: .search
        case .createOrganization: .createOrganization
        case .listOrganizations: .readOrganization
        case .createTeam: .createTeam
        case .listTeams: .readTeam
        case .appointOrganizationAdmin, .removeOrganizationAdmin: .appointOrganizationAdmin
        case .createUser: .createUser
        case .addOrganizationUser, .removeOrganizationUser: .addOrganizationUser
        case .setMember: .addMember
        case .removeMember: .removeMember
        case .listMembers: .readMembers
        case .issueKey: .issueKey
        case .listKeys: .readKeys
        case .revokeKey, .rotateKey: .revokeKey
        case .readProfile: .readProfile
        case .saveProfile: .changeProfile
        case .readLimits: .readLimits
        case .setLimits: .setLimits
        case .readAudit, .verifyAudit: .readAudit
        case .readUsage: .readUsage
        case .readAlerts: .readAlerts
        case .createAlertDestination, .deleteAlertDestination: .manageAlertDestinations
        case .createPlatformAlertDestination, .deletePlatformAlertDestination: .manageAlertDestinations
        case .listAlertDestinations, .listPlatformAlertDestinations: .readAlertDestinations
        case .readSingleSignOnMappings: .readSingleSignOn
        case .saveSingleSignOnMappings: .manageSingleSignOn
        case .readBudgets: .readLimits
        // The team's own budget needs setLimits (owner, org admin); the service decides.
        case .setBudget, .deleteBudget: .setMemberBudgets
        case .listPrices: .readPrices
        case .setPrice: .setPrices
        }
    }

    /// Whether the route works with team knowledge (and so needs the embedding model).
    public var isKnowledge: Bool {
        switch self {
        case .createEmbeddings, .createCollection, .listCollections, .deleteCollection, .addDocument, .listDocuments,
            .deleteDocument, .searchCollection:
            true
        default: false
        }
    }

    /// Whether the route works on the key's own team (models, chat, embeddings, knowledge):
    /// registered on the data-plane group, whose ``TeamRequestContext`` decides the team scope
    /// from ``action`` and whose limits apply to every request.
    public var isDataPlane: Bool {
        switch self {
        case .listModels, .retrieveModel, .chatCompletions, .query: true
        default: isKnowledge
        }
    }

    /// Whether the team's limits are charged by the chat pipeline (which knows the tokens a
    /// generation may take before it starts) rather than around the whole request.
    public var isGeneration: Bool { self == .chatCompletions || self == .query }

    /// Whether the route needs a key (all but health, readiness and the OpenAPI document;
    /// `/metrics` also takes the metrics token).
    public var isAuthenticated: Bool { action != nil }

    /// Health, readiness, the OpenAPI document and metrics: about the server, not a tenant.
    public var isOperations: Bool {
        switch self {
        case .health, .readiness, .openAPI, .metrics: true
        default: false
        }
    }

    /// The route a request reached, from its method and the matched path template (a HEAD
    /// reaches the GET route: the router answers it with that handler, body dropped).
    static func matching(method: HTTPRequest.Method, path: String?) -> AtriumRoute? {
        guard let path else { return nil }
        let method = method == .head ? .get : method
        return allCases.first { $0.method == method && $0.path == path }
    }
}
