import Console

/// The console's audit records carry the same request id as the server's `x-request-id`.
extension AtriumRequestContext: ConsoleRequestContext {}
