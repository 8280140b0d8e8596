/// The key–value metadata of a GGUF file, in file order, with typed accessors.
public struct GGUFMetadata: Sendable {
    public private(set) var keys: [String] = []
    private var values: [String: GGUFValue] = [:]

    init() {}

    mutating func append(_ key: String, _ value: GGUFValue) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    public subscript(key: String) -> GGUFValue? { values[key] }

    public func integer(_ key: String) -> Int? { values[key]?.integer }
    public func double(_ key: String) -> Double? { values[key]?.double }
    public func float(_ key: String) -> Float? { double(key).map(Float.init) }
    public func string(_ key: String) -> String? { values[key]?.string }
    public func bool(_ key: String) -> Bool? { values[key]?.bool }
    public func strings(_ key: String) -> [String]? { values[key]?.array?.compactMap(\.string) }
    public func integers(_ key: String) -> [Int]? { values[key]?.array?.compactMap(\.integer) }
    public func floats(_ key: String) -> [Float]? { values[key]?.array?.compactMap { $0.double.map(Float.init) } }

    /// A required integer; throws a message naming the key when absent.
    public func requireInteger(_ key: String) throws -> Int {
        guard let value = integer(key) else { throw ModelFileError.missingMetadata(key: key) }
        return value
    }
}
