import Gateway
import Hummingbird
import Tenancy

/// A console request whose session was resumed: the principal its key proves (authenticated
/// again for this request), the request's audit, the session's CSRF token for the forms it
/// renders, and the posted form, already CSRF-checked.
struct SignedInRequest: Sendable {
    let principal: Principal
    let audit: RequestAudit
    let csrf: String
    let form: FormBody
    let request: Request

    init(principal: Principal, audit: RequestAudit, csrf: String, form: FormBody, request: Request) {
        self.principal = principal
        self.audit = audit
        self.csrf = csrf
        self.form = form
        self.request = request
    }

    /// What the layout shows: who is signed in and the sections this principal may use (the
    /// rights the ``Policy`` consults; the services still decide every request).
    func view(current path: String) -> [String: Any] {
        let rights = principal.rights
        var nav: [[String: Any]] = [["href": "/console", "label": "Overview"]]
        if rights.contains(.readOrganization) {
            nav.append(["href": "/console/orgs", "label": "Organizations"])
        }
        if let team = principal.teamID, rights.contains(.readMembers) {
            nav.append(["href": "/console/teams/\(team.rawValue)", "label": "Team"])
        }
        if let team = principal.teamID, rights.contains(.readProfile) {
            nav.append(["href": "/console/teams/\(team.rawValue)/profile", "label": "Prompt profile"])
        }
        if rights.contains(.readUsage) {
            nav.append(["href": "/console/usage", "label": "Usage"])
        }
        if rights.contains(.readAudit) {
            nav.append(["href": "/console/audit", "label": "Audit"])
        }
        if rights.contains(.readAlerts) {
            nav.append(["href": "/console/alerts", "label": "Alerts"])
        }
        if principal.teamID != nil, rights.contains(.chat) {
            nav.append(["href": "/console/playground", "label": "Playground"])
        }
        if principal.teamID != nil, rights.contains(.readDocuments) {
            nav.append(["href": "/console/knowledge", "label": "Knowledge"])
        }
        for index in nav.indices { nav[index]["current"] = nav[index]["href"] as? String == path }
        let session: [String: Any] = [
            "keyPrefix": principal.keyPrefix, "roleLabel": Self.label(principal.role), "csrf": csrf, "nav": nav,
        ]
        return ["session": session]
    }

    static func label(_ role: Role) -> String {
        switch role {
        case .owner: "platform owner"
        case .orgAdmin: "organization admin"
        case .teamAdmin: "team admin"
        case .member: "member"
        case .viewer: "viewer"
        }
    }
}
