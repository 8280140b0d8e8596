import AsyncHTTPClient
import Logging
import NIOCore

/// One HTTP client per event loop of a group, so that an upstream call made from a loop
/// uses a connection on that same loop.
///
/// A single client spreads its connections over the group's loops: a request handled on
/// loop A whose pooled connection lives on loop B crosses threads twice (there and back) —
/// measurably the largest part of what the gateway adds at low concurrency. Requests run on
/// the loop they arrived on (the server prefers the loops as its task executor), and this
/// picks the client bound to that loop.
struct LoopLocalClients: Sendable {
    private let group: any EventLoopGroup
    private let clients: [(loop: any EventLoop, client: HTTPClient)]

    init(group: any EventLoopGroup, configuration: HTTPClient.Configuration, logger: Logger) {
        self.group = group
        clients = group.makeIterator().map { loop in
            (loop, HTTPClient(eventLoopGroup: loop, configuration: configuration, backgroundActivityLogger: logger))
        }
    }

    /// The client of the calling thread's event loop, or any client off the loops.
    var current: HTTPClient {
        if clients.count > 1 {
            let loop = group.any()  // the current loop when called on one
            for entry in clients where entry.loop === loop { return entry.client }
        }
        return clients[0].client
    }

    func shutdown() async throws {
        for entry in clients { try await entry.client.shutdown() }
    }
}
