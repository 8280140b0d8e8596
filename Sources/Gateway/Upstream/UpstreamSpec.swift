/// One `--upstream [MODEL=]URL[;cache-salt=on|off]` flag: the server, the model it serves
/// (nil: the default model), and whether its requests carry the team's `cache_salt`.
///
/// ```swift
/// try UpstreamSpec(parsing: "llama=http://10.0.0.2:8000;cache-salt=off")
/// // model "llama", url "http://10.0.0.2:8000", cacheSalt false
/// ```
public struct UpstreamSpec: Sendable, Hashable {
    public let model: String?
    public let url: String
    /// nil: the server-wide setting.
    public let cacheSalt: Bool?

    public init(model: String?, url: String, cacheSalt: Bool? = nil) {
        self.model = model
        self.url = url
        self.cacheSalt = cacheSalt
    }

    public init(parsing text: String) throws(BackendError) {
        var rest = Substring(text)
        var cacheSalt: Bool?
        if let semicolon = rest.lastIndex(of: ";") {
            switch rest[rest.index(after: semicolon)...].lowercased() {
            case "cache-salt=on": cacheSalt = true
            case "cache-salt=off": cacheSalt = false
            default:
                throw .invalidRequest("--upstream: after ';' only cache-salt=on or cache-salt=off may follow, in '\(text)'")
            }
            rest = rest[..<semicolon]
        }
        var model: String?
        // MODEL=URL: a model id never holds ':' or '/', a URL's text before any '=' always does.
        if let equals = rest.firstIndex(of: "="), !rest[..<equals].contains(":"), !rest[..<equals].contains("/") {
            let name = String(rest[..<equals])
            guard !name.isEmpty, name.count <= 128, name.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
                throw .invalidRequest("--upstream: the model name before '=' must be 1 to 128 visible ASCII characters")
            }
            model = name
            rest = rest[rest.index(after: equals)...]
        }
        self.model = model
        url = String(rest)
        self.cacheSalt = cacheSalt
    }
}
