import Gateway
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    /// `x-atrium-cache: exact | semantic` on a chat answer replayed from the team's response
    /// cache (the body says `"cached": true`); absent on a generated answer.
    static let atriumCache = HTTPField.Name("x-atrium-cache")!
}

extension Response {
    /// Names how the team's response cache found the answer, if it did.
    func markingCache(_ hit: ResponseCacheHit?) -> Response {
        guard let hit else { return self }
        var response = self
        response.headers[.atriumCache] = hit.rawValue
        return response
    }
}
