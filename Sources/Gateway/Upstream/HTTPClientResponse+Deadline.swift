import AsyncHTTPClient
import NIOCore

extension HTTPClientResponse.Body {
    /// The body, at most `maximum` bytes, read before `deadline`: past it the read is cancelled
    /// (which closes the connection) and `HTTPClientError.deadlineExceeded` thrown.
    /// AsyncHTTPClient's own timeouts bound the wait for the head and between two reads, not
    /// the whole body, so a peer sending a byte a second could otherwise hold its reader for ever.
    public func collect(upTo maximum: Int, before deadline: NIODeadline) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await self.collect(upTo: maximum) }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(Swift.max(0, (deadline - .now()).nanoseconds)))
                return nil
            }
            defer { group.cancelAll() }
            guard case let body?? = try await group.next() else { throw HTTPClientError.deadlineExceeded }
            return body
        }
    }
}
