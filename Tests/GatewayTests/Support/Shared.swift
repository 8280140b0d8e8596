import Synchronization

/// A value a test shares with the tasks it starts (a `Mutex` itself cannot be captured).
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) {
        storage = Mutex(value)
    }

    var value: Value { storage.withLock { $0 } }

    func update(_ body: (inout Value) -> Void) {
        storage.withLock { body(&$0) }
    }
}
