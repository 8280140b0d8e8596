/// The naming rule for organizations, teams and users.
///
/// Names are 1–64 characters of letters, digits, `.`, `_` and `-`, starting with a letter or
/// digit. No `/` (teams are addressed as `org/team`), no spaces, and never the shape of an id
/// (`team_…`, in any case), so an address is always unambiguous.
public enum DirectoryName {
    public static let maximumLength = 64

    /// Returns `name` when it follows the rule; throws naming the problem otherwise.
    public static func validated(_ name: String, kind: String) throws(DirectoryError) -> String {
        guard !name.isEmpty, name.count <= maximumLength else {
            throw .invalidName(kind: kind, name: name, problem: "must be 1 to \(maximumLength) characters")
        }
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber else {
            throw .invalidName(kind: kind, name: name, problem: "must start with a letter or digit")
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw .invalidName(kind: kind, name: name, problem: "may only contain letters, digits, '.', '_' and '-'")
        }
        // In any case: names are looked up case-insensitively, so `USR_ABC…` would answer to
        // the address `usr_abc…` — another user's id.
        let folded = name.lowercased()
        let looksLikeID = OrganizationID.looksLikeIdentifier(folded) || TeamID.looksLikeIdentifier(folded)
            || UserID.looksLikeIdentifier(folded) || APIKeyID.looksLikeIdentifier(folded)
        guard !looksLikeID else {
            throw .invalidName(kind: kind, name: name, problem: "has the shape of an id")
        }
        return name
    }
}
