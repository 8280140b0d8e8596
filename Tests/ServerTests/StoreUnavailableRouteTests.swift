import AtriumTestSupport
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import Server
@testable import Store
import Testing

/// A store that cannot write (a full disk) answers 503 `storage_unavailable` with
/// `Retry-After` — the request may be sent again — never a 500; the log says what happened
/// and nothing of the tenant's; and the same requests succeed once space returns.
@Suite struct StoreUnavailableRouteTests {
    @Test func aFullDiskAnswers503WithRetryAfterForKeysAndUploadsUntilSpaceReturns() async throws {
        let world = try ServerWorld.make()
        let capture = LogCapture()
        let router = AtriumServer.router(
            gateway: world.gateway, configuration: world.configuration, exposition: world.exposition)
        let canary = "TENANT-CANARY-5d1e"
        try await Application(router: router, logger: capture.logger()).test(.router) { client in
            let http = HTTPCaller(client: client)
            let keys = try await Scenario.build(http, world: world)
            let created = try await http.call(.post, "/v1/collections", key: keys["bob"], json: ["name": "handbook"])
            #expect(created.status == 201)
            try await Self.capPages(world.store, at: 1)

            // Keys until one needs a page the disk has not got: that one is a 503, not a 500.
            var refusal: HTTPAnswer?
            for attempt in 0..<500 {
                let order = ["user": "bob", "team": "sales", "name": "\(canary)-\(attempt)"]
                let answer = try await http.call(.post, "/v1/admin/keys", key: keys["alice"], json: order)
                guard answer.status == 201 else {
                    refusal = answer
                    break
                }
            }
            let keyRefusal = try #require(refusal, "a full disk refused a key")
            Self.expectUnavailable(keyRefusal)
            let text = (0..<40).map { index in
                "Part \(index) of \(canary). " + String(repeating: "Quokkas keep prices. ", count: 70)
            }.joined(separator: "\n\n")
            let document: [String: Any] = ["name": "prices.txt", "text": text]
            let documents = "/v1/collections/handbook/documents"
            let upload = try await http.call(.post, documents, key: keys["bob"], json: document)
            Self.expectUnavailable(upload)

            try await Self.capPages(world.store, at: 1 << 30)
            // The audit records queued meanwhile commit at the writer's next try; until then
            // the gateway serves nothing it could not record (a 503 of the same kind).
            #expect(await world.writer.flush(waitingAtMost: .seconds(30)))
            let order = ["user": "bob", "team": "sales"]
            let key = try await http.call(.post, "/v1/admin/keys", key: keys["alice"], json: order)
            #expect(key.status == 201, "\(key.body)")
            let stored = try await http.call(.post, documents, key: keys["bob"], json: document)
            #expect(stored.status == 201 || stored.status == 200, "\(stored.body)")
        }
        let unavailable = capture.lines.filter { $0.message == "store unavailable" }
        #expect(unavailable.count >= 2 && unavailable.allSatisfy { $0.level == .error }, "\(capture.lines.map(\.text))")
        let database = world.directory.appendingPathComponent(AtriumStore.fileName).path
        let problem = "cannot write \(database): the disk is full"
        #expect(unavailable.allSatisfy { $0.metadata["store.problem"] == problem }, "\(unavailable.map(\.metadata))")
        #expect(!capture.lines.contains { $0.text.contains(canary) }, "no tenant data in the log")
        #expect(!capture.lines.contains { $0.message == "request failed" }, "no 500")
    }

    /// Caps the store's writer at `pages` (SQLite clamps to the current size): a write that
    /// needs a new page fails with SQLITE_FULL, as on a full disk.
    static func capPages(_ store: AtriumStore, at pages: Int) async throws {
        _ = try await store.backend.write { db in try db.fetchAll("PRAGMA max_page_count = \(pages)", []) }
    }

    static func expectUnavailable(_ answer: HTTPAnswer, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == 503, "\(answer.body)", sourceLocation: sourceLocation)
        #expect(answer.errorCode == "storage_unavailable", sourceLocation: sourceLocation)
        #expect(
            answer.headers[.retryAfter] == String(GatewayError.storageRetrySeconds), "\(answer.headers)",
            sourceLocation: sourceLocation)
    }
}
