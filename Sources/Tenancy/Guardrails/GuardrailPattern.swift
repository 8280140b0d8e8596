/// A team's own pattern: a regular expression or a deny-list of terms, redacted (`[NAME_1]`) or
/// blocked like a built-in entity type.
///
/// A regular expression compiles to a ``BoundedRegex``, which matches in time linear in the
/// text (it never backtracks) under a per-request step budget; a pattern the engine refuses —
/// or one with nested unbounded repetition, which backtracking engines cannot run safely —
/// fails when the profile is saved. Terms compile to a ``TermMatcher``: matched as whole words
/// in any case and script, read through the same folding as the text, at a cost that does not
/// grow with their number (so they need no budget).
///
/// ```json
/// {"name": "project", "regex": "PRJ-[0-9]{4}", "action": "redact"}
/// {"name": "codenames", "terms": ["bluebird", "nightjar"], "action": "block"}
/// ```
public struct GuardrailPattern: Sendable, Hashable {
    public static let maximumTerms = 256
    public static let maximumTermLength = 128

    /// Lowercase letters, digits and `_`, at most 32; also the placeholder's word (`[PROJECT_1]`).
    public let name: String
    public let regex: String?
    public let terms: [String]
    /// `redact` or `block`.
    public let action: GuardrailAction
    /// How it is matched, compiled once when the profile is saved.
    public let matcher: Matcher

    public enum Matcher: Sendable {
        case regex(BoundedRegex)
        case terms(TermMatcher)
    }

    public init(name: String, regex: String? = nil, terms: [String] = [], action: GuardrailAction) throws(ProfileError) {
        let field = "guardrails.patterns"
        guard !name.isEmpty, name.count <= 32,
            name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        else {
            throw ProfileError(field: "\(field).name", problem: "'\(name)' must be 1 to 32 of a-z, 0-9 and _")
        }
        guard GuardrailEntity(rawValue: name) == nil else {
            throw ProfileError(field: "\(field).name", problem: "'\(name)' is a built-in entity type")
        }
        guard action != .allow else {
            throw ProfileError(field: "\(field).action", problem: "a pattern must redact or block")
        }
        switch (regex, terms.isEmpty) {
        case let (regex?, true):
            do throws(BoundedRegex.SyntaxError) {
                matcher = .regex(try BoundedRegex(regex))
            } catch {
                throw ProfileError(field: "\(field).regex", problem: "pattern '\(name)': \(error.description)")
            }
        case (nil, false):
            guard terms.count <= Self.maximumTerms,
                terms.allSatisfy({ !$0.isEmpty && $0.utf8.count <= Self.maximumTermLength })
            else {
                throw ProfileError(
                    field: "\(field).terms",
                    problem: "1 to \(Self.maximumTerms) non-empty terms of at most \(Self.maximumTermLength) bytes")
            }
            do throws(TermMatcher.EmptyTerm) {
                matcher = .terms(try TermMatcher(terms))
            } catch {
                throw ProfileError(
                    field: "\(field).terms", problem: "pattern '\(name)': term \(error.index + 1) has nothing visible")
            }
        default:
            throw ProfileError(field: field, problem: "pattern '\(name)' needs either 'regex' or 'terms'")
        }
        self.name = name
        self.regex = regex
        self.terms = terms
        self.action = action
    }

    /// The word in its placeholders.
    public var label: String { name.uppercased() }

    public static func == (lhs: GuardrailPattern, rhs: GuardrailPattern) -> Bool {
        lhs.name == rhs.name && lhs.regex == rhs.regex && lhs.terms == rhs.terms && lhs.action == rhs.action
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(regex)
        hasher.combine(terms)
        hasher.combine(action)
    }
}

extension GuardrailPattern: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case regex
        case terms
        case action
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let actionText = try container.decode(String.self, forKey: .action)
        guard let action = GuardrailAction(rawValue: actionText) else {
            throw ProfileError(field: "guardrails.patterns.action", problem: "must be redact or block")
        }
        try self.init(
            name: container.decode(String.self, forKey: .name),
            regex: container.decodeIfPresent(String.self, forKey: .regex),
            terms: container.decodeIfPresent([String].self, forKey: .terms) ?? [], action: action)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(regex, forKey: .regex)
        if !terms.isEmpty { try container.encode(terms, forKey: .terms) }
        try container.encode(action.rawValue, forKey: .action)
    }
}
