/// Settings bodies refuse fields they do not know. Where a missing field means "no limit", "no
/// restriction" or "off", a misspelt one (`request_per_minute`, `alowed_models`, `expire_at`)
/// would otherwise be read as absent and quietly lift what the administrator meant to set.
extension Decoder {
    /// Refuses an object holding a field that `Keys` does not name and `ignoring` does not
    /// list (fields a `GET` shows beside the settings, so that what it answered can be sent back
    /// as it is). The error names the field by its path (`guardrails.patterns[0].nmae`).
    public func refuseFields<Keys: CodingKey & CaseIterable>(except keys: Keys.Type, ignoring: Set<String> = [])
        throws(ProfileError)
    {
        guard let container = try? container(keyedBy: AnyFieldKey.self) else { return }
        let unknown = container.allKeys.first { Keys(stringValue: $0.stringValue) == nil && !ignoring.contains($0.stringValue) }
        guard let unknown else { return }
        var path = ""
        for key in codingPath + [unknown] {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += (path.isEmpty ? "" : ".") + String(key.stringValue.unicodeScalars.prefix(64))
            }
        }
        let known = Keys.allCases.map(\.stringValue).joined(separator: ", ")
        throw ProfileError(field: path, problem: "is not one of the fields (\(known))")
    }
}

/// Any field name of a JSON object.
private struct AnyFieldKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
