import Gateway
import HTTPTypes
import Hummingbird
import Logging

/// The outermost middleware: when a response has been written to the end (for a stream, when
/// the stream ends) it counts the request by team, route and status, records its duration,
/// and writes the one access log line of the request at info — method, route pattern, status,
/// duration, request id and team id. Never the raw path or query, which can carry names a
/// client typed.
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = AtriumRequestContext
    /// The `route` of requests no route matched: one label value, whatever the path.
    static let unmatchedRoute = "unmatched"
    static let knownMethods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .delete, .patch, .options]

    let metrics: AtriumMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let route = context.endpointPath ?? Self.unmatchedRoute
        let method = Self.knownMethods.contains(request.method) ? request.method.rawValue : "other"
        let finish = { @Sendable (status: HTTPResponse.Status) in
            let duration = started.duration(to: .now)
            metrics.request(
                route: route, method: method, status: status.code, team: context.observation.teamID, duration: duration)
            context.requestLogger.info(
                "request",
                metadata: [
                    "http.method": .string(method), "http.route": .string(route), "http.status": .stringConvertible(status.code),
                    "duration.ms": .stringConvertible(Self.milliseconds(duration)),
                ])
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            finish(.internalServerError)
            throw error
        }
        let status = response.status
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { finish(status) }
            try await body.write(writer)
        }
        return response
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
