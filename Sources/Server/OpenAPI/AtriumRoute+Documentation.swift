extension AtriumRoute {
    struct Documentation {
        let summary: String
        let body: String?
        let query: [String]
        let success: (status: Int, schema: String?)
    }

    var documentation: Documentation {
        switch self {
        case .health: Documentation(summary: "Liveness", body: nil, query: [], success: (200, "Status"))
        case .readiness: Documentation(summary: "Readiness: the database answers and every model has an upstream up", body: nil, query: [], success: (200, "Status"))
        case .openAPI: Documentation(summary: "This document", body: nil, query: [], success: (200, nil))
        case .metrics:
            Documentation(
                summary: "Prometheus metrics (text format) for the owner's key or the --metrics-token", body: nil,
                query: [], success: (200, nil))
        case .listModels:
            Documentation(summary: "Models the key's team may use", body: nil, query: [], success: (200, "ModelList"))
        case .retrieveModel:
            Documentation(
                summary: "One model the key's team may use (404 model_not_found for any other)", body: nil, query: [],
                success: (200, "Model"))
        case .chatCompletions:
            Documentation(
                summary: "OpenAI chat completion, shaped by the team's profile; SSE when stream is true",
                body: "ChatCompletionRequest", query: [], success: (200, "ChatCompletion"))
        case .query:
            Documentation(
                summary: "Simple question and answer; 'team' must be the key's own", body: "QueryRequest", query: [],
                success: (200, "QueryResponse"))
        case .createEmbeddings:
            Documentation(
                summary: "OpenAI embeddings with the served embedding model (minilm-l6)", body: "EmbeddingsRequest",
                query: [], success: (200, "EmbeddingList"))
        case .createCollection:
            Documentation(
                summary: "Create a collection in the key's team (team admin, member)", body: "NameRequest", query: [],
                success: (201, "Collection"))
        case .listCollections:
            Documentation(summary: "The team's collections", body: nil, query: [], success: (200, "CollectionList"))
        case .deleteCollection:
            Documentation(
                summary: "Delete a collection with all its documents (team admin, member)", body: nil, query: [],
                success: (200, "Deleted"))
        case .addDocument:
            Documentation(
                summary: "Add a document: JSON text or a multipart file upload; same content under the same name is unchanged, "
                    + "other content replaces it (201 added or replaced, 200 unchanged)",
                body: "DocumentRequest", query: [], success: (201, "Document"))
        case .listDocuments:
            Documentation(summary: "The collection's documents", body: nil, query: [], success: (200, "DocumentList"))
        case .deleteDocument:
            Documentation(
                summary: "Delete a document with its chunks; searches stop finding it at once", body: nil, query: [],
                success: (200, "Deleted"))
        case .searchCollection:
            Documentation(
                summary: "Hybrid (BM25 + vector, reciprocal rank fusion), BM25 or vector search in a collection",
                body: "SearchRequest", query: [], success: (200, "SearchResults"))
        case .createOrganization:
            Documentation(summary: "Create an organization (owner)", body: "NameRequest", query: [], success: (201, "Organization"))
        case .listOrganizations:
            Documentation(summary: "Organizations the key reaches", body: nil, query: [], success: (200, "OrganizationList"))
        case .createTeam:
            Documentation(summary: "Create a team (owner, org admin)", body: "NameRequest", query: [], success: (201, "Team"))
        case .listTeams:
            Documentation(summary: "The organization's teams the key reaches", body: nil, query: [], success: (200, "TeamList"))
        case .appointOrganizationAdmin:
            Documentation(summary: "Make a user an org admin (owner)", body: nil, query: [], success: (200, "User"))
        case .removeOrganizationAdmin:
            Documentation(
                summary: "End a user's org admin role (owner); their organization keys, and every key those minted, are revoked",
                body: nil, query: [], success: (204, nil))
        case .createUser:
            Documentation(
                summary: "Create a user in 'org', by default the caller's organization (owner, org admin, team admin)",
                body: "UserRequest", query: [], success: (201, "User"))
        case .addOrganizationUser:
            Documentation(
                summary: "Add an existing user the caller can see to the organization (owner, org admin)", body: nil,
                query: [], success: (200, "User"))
        case .removeOrganizationUser:
            Documentation(
                summary: "Offboard a user: out of the organization, its teams and every key held there (owner, org admin; an org admin by the owner only)",
                body: nil, query: [], success: (204, nil))
        case .setMember:
            Documentation(
                summary: "Add a team member or change their role (owner, org admin, team admin)", body: "RoleRequest",
                query: [], success: (200, "Membership"))
        case .removeMember:
            Documentation(summary: "Remove a team member; their keys stop working", body: nil, query: [], success: (204, nil))
        case .listMembers:
            Documentation(summary: "The team's members", body: nil, query: [], success: (200, "MembershipList"))
        case .issueKey:
            Documentation(
                summary: "Mint a key (at most its creator's rights), optionally with its own limits; the key appears only in this answer",
                body: "KeyRequest", query: [], success: (201, "IssuedKey"))
        case .listKeys:
            Documentation(summary: "Keys the caller may see (never the secret)", body: nil, query: ["team"], success: (200, "KeyList"))
        case .revokeKey:
            Documentation(
                summary: "Revoke a key; it fails from the next request on (with_minted=true: also every key it minted or rotated, down the line)",
                body: nil, query: ["with_minted"], success: (200, "Key"))
        case .rotateKey:
            Documentation(
                summary: "New secret for the same key; the old one works for grace_seconds (0 to 7 days), then fails",
                body: "RotateKeyRequest", query: [], success: (200, "IssuedKey"))
        case .readProfile:
            Documentation(summary: "The team's prompt profile (org admin, team admin)", body: nil, query: [], success: (200, "Profile"))
        case .saveProfile:
            Documentation(
                summary: "Replace the team's prompt profile; applies to the next request", body: "Profile", query: [],
                success: (200, "Profile"))
        case .readLimits:
            Documentation(
                summary: "The team's limits (owner, org admin, team admin); null is unlimited. 'budgets' lists its budgets "
                    + "with what remains of each",
                body: nil, query: [], success: (200, "Limits"))
        case .readBudgets:
            Documentation(
                summary: "The team's budgets (team, users, keys; tokens or cost) with spent, reserved and remaining",
                body: nil, query: [], success: (200, "BudgetList"))
        case .setBudget:
            Documentation(
                summary: "Set the team's budget (owner, org admin) or a user's or key's of the team (also its team admin) "
                    + "for one unit, replacing the one it had; spend so far is kept",
                body: "BudgetRequest", query: [], success: (200, "Budget"))
        case .deleteBudget:
            Documentation(summary: "Delete one of the team's budgets (as for setting it)", body: nil, query: [], success: (204, nil))
        case .listPrices:
            Documentation(
                summary: "Model prices per 1000 prompt and completion tokens (the owner)", body: nil, query: [],
                success: (200, "PriceList"))
        case .setPrice:
            Documentation(
                summary: "Set a served model's price per 1000 prompt and completion tokens (the owner); cost budgets "
                    + "spend it from the next request",
                body: "Price", query: [], success: (200, "Price"))
        case .setLimits:
            Documentation(
                summary: "Replace the team's limits (owner, org admin; a team never raises its own); applies to the next request",
                body: "Limits",
                query: [], success: (200, "Limits"))
        case .readAudit:
            Documentation(
                summary: "Audit records the caller may see, newest first", body: nil,
                query: ["team", "since", "until", "limit"], success: (200, "AuditList"))
        case .verifyAudit:
            Documentation(
                summary: "Walk the audit hash chain as `atrium audit verify` does: intact, or the first broken record "
                    + "(the platform owner only: the chain spans every tenant)",
                body: nil, query: [], success: (200, "AuditVerification"))
        case .readUsage:
            Documentation(
                summary: "Usage per day, team, user and key; with group_by, added up per team, user, key or day", body: nil,
                query: ["team", "since", "until", "group_by"], success: (200, "UsageList"))
        case .readAlerts:
            Documentation(
                summary: "Security alerts the caller may see, newest first (owner: all; org admin: its org; team admin: its team)",
                body: nil, query: ["team", "since", "limit"], success: (200, "AlertList"))
        case .createAlertDestination:
            Documentation(
                summary: "Send the organization's alerts to a webhook (owner, org admin; a team admin with 'teams' naming only "
                    + "its own team); signed deliveries, the secret appears only in this answer",
                body: "AlertDestinationRequest", query: [], success: (201, "CreatedAlertDestination"))
        case .listAlertDestinations:
            Documentation(
                summary: "The organization's alert destinations the caller may see, with delivery status (never the secret)",
                body: nil, query: [], success: (200, "AlertDestinationList"))
        case .deleteAlertDestination:
            Documentation(
                summary: "Delete an alert destination and its pending deliveries", body: nil, query: [], success: (204, nil))
        case .createPlatformAlertDestination:
            Documentation(
                summary: "Send every alert to a webhook (owner); the secret appears only in this answer",
                body: "AlertDestinationRequest", query: [], success: (201, "CreatedAlertDestination"))
        case .listPlatformAlertDestinations:
            Documentation(
                summary: "The platform-wide alert destinations, with delivery status (owner)", body: nil, query: [],
                success: (200, "AlertDestinationList"))
        case .deletePlatformAlertDestination:
            Documentation(
                summary: "Delete a platform-wide alert destination (owner)", body: nil, query: [], success: (204, nil))
        case .readSingleSignOnMappings:
            Documentation(
                summary: "The organization's single sign-on group mappings (owner, org admin)", body: nil, query: [],
                success: (200, "GroupMappings"))
        case .saveSingleSignOnMappings:
            Documentation(
                summary: "Replace the organization's single sign-on group mappings (owner, org admin); applied at each "
                    + "person's next SSO sign-in: memberships of mapped groups added, SSO-made ones of groups gone removed",
                body: "GroupMappingsRequest", query: [], success: (200, "GroupMappings"))
        }
    }
}
