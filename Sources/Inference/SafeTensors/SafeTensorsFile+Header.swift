import Foundation

extension SafeTensorsFile {
    /// Decodes and checks the JSON header: every entry well formed, inside the data section,
    /// sized exactly by its shape and dtype, and not overlapping another.
    static func parseHeader(
        _ header: Data, path: String, dataSize: Int
    ) throws -> (metadata: [String: String], entries: [SafeTensorsEntry]) {
        let object: [String: Any]
        do {
            guard let decoded = try JSONSerialization.jsonObject(with: header) as? [String: Any] else {
                throw SafeTensorsError.headerNotJSON(path: path, reason: "the top level is not an object")
            }
            object = decoded
        } catch let error as SafeTensorsError {
            throw error
        } catch {
            throw SafeTensorsError.headerNotJSON(path: path, reason: "\(error.localizedDescription)")
        }

        var metadata: [String: String] = [:]
        var entries: [SafeTensorsEntry] = []
        for name in object.keys.sorted() {
            let value = object[name]!
            if name == "__metadata__" {
                guard let strings = value as? [String: String] else {
                    throw SafeTensorsError.badTensorEntry(path: path, tensor: name, reason: "metadata must map strings to strings")
                }
                metadata = strings
                continue
            }
            let entry = try parseEntry(name: name, value, path: path)
            guard entry.dataOffsets.upperBound <= dataSize else {
                throw SafeTensorsError.tensorOutOfRange(
                    path: path, tensor: name, end: entry.dataOffsets.upperBound, dataSize: dataSize)
            }
            let expected = entry.elementCount * entry.dtype.size
            guard entry.dataOffsets.count == expected else {
                throw SafeTensorsError.sizeMismatch(
                    path: path, tensor: name, expectedBytes: expected, foundBytes: entry.dataOffsets.count)
            }
            entries.append(entry)
        }

        entries.sort { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound) }
        for (previous, next) in zip(entries, entries.dropFirst())
        where next.dataOffsets.lowerBound < previous.dataOffsets.upperBound {
            throw SafeTensorsError.overlappingTensors(path: path, first: previous.name, second: next.name)
        }
        return (metadata, entries)
    }

    private static func parseEntry(name: String, _ value: Any, path: String) throws -> SafeTensorsEntry {
        func bad(_ reason: String) -> SafeTensorsError {
            .badTensorEntry(path: path, tensor: name, reason: reason)
        }
        guard let fields = value as? [String: Any] else { throw bad("not an object") }
        guard let dtypeName = fields["dtype"] as? String else { throw bad("no dtype string") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(path: path, tensor: name, dtype: dtypeName)
        }
        guard let shapeValues = fields["shape"] as? [Any] else { throw bad("no shape array") }
        let shape = try shapeValues.map { value -> Int in
            guard let extent = naturalNumber(value), extent < 1 << 40 else { throw bad("shape \(shapeValues) is not a list of sizes") }
            return extent
        }
        guard shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) < 1 << 48 else {
            throw bad("shape \(shape) is too large")
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
              let begin = naturalNumber(offsets[0]), let end = naturalNumber(offsets[1])
        else { throw bad("data_offsets must be two byte offsets") }
        guard begin <= end else { throw bad("data_offsets [\(begin), \(end)] run backwards") }
        return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// A JSON number that is a whole, non-negative value that fits comfortably in an `Int`.
    private static func naturalNumber(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double >= 0, double < 0x1p53, double.rounded(.towardZero) == double else { return nil }
        return Int(double)
    }
}
