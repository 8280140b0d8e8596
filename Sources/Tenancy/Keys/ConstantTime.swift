/// Comparisons whose running time does not depend on where two secrets first differ.
public enum ConstantTime {
    /// Whether `lhs` and `rhs` hold the same bytes. Every byte is visited whatever the
    /// contents; only the lengths (public for fixed-size hashes) may end it early.
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) {
            difference |= left ^ right
        }
        return difference == 0
    }
}
