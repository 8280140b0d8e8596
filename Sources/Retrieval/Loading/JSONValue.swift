/// A JSON value that keeps what a generic decoder loses: the order of an object's members
/// and numbers exactly as written (`19.90` stays `19.90`).
indirect enum JSONValue {
    case null
    case bool(Bool)
    /// The number's literal text.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    var isObject: Bool {
        if case .object = self { true } else { false }
    }
}
