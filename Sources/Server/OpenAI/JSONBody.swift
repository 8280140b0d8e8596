import Foundation
import Gateway
import Hummingbird
import NIOCore

/// Reads a JSON request body within the size limit and decodes it, turning every decoding
/// failure into a 400 that names the field (`messages[0].content`) and what was wrong.
enum JSONBody {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        let buffer = try await request.body.collect(upTo: limit)
        guard buffer.readableBytes > 0 else { throw GatewayError.invalid("The request body is empty: JSON is expected") }
        // JSON travels as UTF-8 (RFC 8259 §8.1), which never holds a zero byte. Foundation's
        // decoder also reads UTF-16 and UTF-32 — whose `{` alone has one — and there a byte of a
        // character can be a quote to the UTF-8 reading of the repeated-key check below (`Ģ`
        // is 22 01 in UTF-16LE): such a body would be read two ways, so it is refused.
        let holdsZero = buffer.withUnsafeReadableBytes { bytes in
            bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false
        }
        guard !holdsZero else {
            throw GatewayError.invalid("The request body must be JSON in UTF-8 (it holds a zero byte: UTF-16 or UTF-32?)")
        }
        // Said once for the whole body: the decoder's own words for a bad byte depend on where
        // it lies ("must be an array" for one inside a message's content).
        guard buffer.withUnsafeReadableBytes({ String(validating: $0, as: UTF8.self) != nil }) else {
            throw GatewayError.invalid("The request body must be JSON in UTF-8 (it holds bytes that are not UTF-8)")
        }
        let data = Data(buffer.readableBytesView)
        if let repeated = firstRepeatedKey(in: data) {
            let field = String(repeated.unicodeScalars.prefix(128))
            throw GatewayError.invalid("The request body gives the field '\(field)' twice in one object", param: field)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw describe(error, of: data)
        }
    }

    /// The path (`messages[0].role`, `logit_bias.7`) of the first key given twice in one object
    /// of `data`, if any. Foundation's decoder keeps the first value silently, where most other
    /// JSON readers (Python, JavaScript) keep the last: a body read one way here and another way
    /// by a proxy, a reviewer or a log tool (`{"role": "member", "role": "owner"}`) is refused
    /// instead. Malformed JSON is left to the decoder.
    static func firstRepeatedKey(in data: Data) -> String? {
        /// An open object (its keys so far, the last one) or array (`keys` nil; the element's index).
        struct Frame {
            var keys: Set<[UInt8]>?
            var key: [UInt8] = []
            var index = 0
        }
        /// The path of `key` in the innermost of `frames`, as ``path(_:)`` writes one.
        func path(_ frames: [Frame], _ key: [UInt8]) -> String {
            var text = ""
            for frame in frames.dropLast() {
                if frame.keys == nil {
                    text += "[\(frame.index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + String(decoding: frame.key, as: UTF8.self)
                }
            }
            return text + (text.isEmpty ? "" : ".") + String(decoding: key, as: UTF8.self)
        }
        return data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> String? in
            var frames: [Frame] = []
            var expectingKey = false
            var index = 0
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "{"):
                    guard frames.count < 512 else { return nil }  // the decoder refuses such depth
                    frames.append(Frame(keys: []))
                    expectingKey = true
                case UInt8(ascii: "["):
                    guard frames.count < 512 else { return nil }
                    frames.append(Frame(keys: nil))
                    expectingKey = false
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    _ = frames.popLast()
                    expectingKey = false
                case UInt8(ascii: ","):
                    guard let top = frames.indices.last else { break }
                    if frames[top].keys == nil { frames[top].index += 1 }
                    expectingKey = frames[top].keys != nil
                case UInt8(ascii: "\""):
                    let start = index + 1
                    var end = start
                    var escaped = false
                    while end < count, bytes[end] != UInt8(ascii: "\"") {
                        if bytes[end] == UInt8(ascii: "\\") {
                            escaped = true
                            end += 1
                        }
                        end += 1
                    }
                    if expectingKey, let top = frames.indices.last, frames[top].keys != nil {
                        var key = Array(bytes[start..<min(end, count)])
                        if escaped {
                            // `"a"` and `"\u0061"` are one key.
                            let literal = Data(bytes[(start - 1)..<min(end + 1, count)])
                            key = (try? JSONDecoder().decode(String.self, from: literal)).map { Array($0.utf8) } ?? key
                        }
                        // In place: a copy of the set per key would make a wide object quadratic.
                        if frames[top].keys?.insert(key).inserted == false { return path(frames, key) }
                        frames[top].key = key
                        expectingKey = false
                    }
                    index = end
                default:
                    break
                }
                index += 1
            }
            return nil
        }
    }

    /// As ``describe(_:)``, and where Foundation calls valid JSON invalid — a number its field
    /// cannot hold (`2.5` or `9223372036854775808` for a whole number), reported with no field
    /// — says that instead.
    static func describe(_ error: DecodingError, of data: Data) -> GatewayError {
        if case let .dataCorrupted(context) = error, context.codingPath.isEmpty,
            (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
        {
            return .invalid(
                "The request body holds a number its field cannot take: too large or too small to be represented "
                    + "(1e-400, 1e400), or not a whole number from -9223372036854775808 to 9223372036854775807 "
                    + "where one is expected")
        }
        return describe(error)
    }

    static func describe(_ error: DecodingError) -> GatewayError {
        switch error {
        case let .keyNotFound(key, context):
            let field = path(context.codingPath + [key])
            return .invalid("Missing required field '\(field)'", param: field)
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            let field = path(context.codingPath)
            if field.isEmpty { return .invalid("The request body must be a JSON object") }
            return .invalid("Field '\(field)' must be \(describe(type))", param: field)
        case let .dataCorrupted(context):
            let field = path(context.codingPath)
            if field.isEmpty { return .invalid("The request body is not valid JSON: \(context.debugDescription)") }
            if let underlying = context.underlyingError as? GatewayError { return underlying }
            return .invalid("Field '\(field)' is invalid: \(context.debugDescription)", param: field)
        @unknown default:
            return .invalid("The request body could not be read")
        }
    }

    /// `messages[0].content` from a coding path.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    private static func describe(_ type: Any.Type) -> String {
        let names: [ObjectIdentifier: String] = [
            ObjectIdentifier(String.self): "a string", ObjectIdentifier(Bool.self): "a boolean",
            ObjectIdentifier(Int.self): "an integer", ObjectIdentifier(UInt64.self): "a non-negative integer",
            ObjectIdentifier(Int64.self): "an integer", ObjectIdentifier(Double.self): "a number",
            ObjectIdentifier([Any].self): "an array", ObjectIdentifier([String: Any].self): "an object",
        ]
        return names[ObjectIdentifier(type)] ?? "of another type"
    }
}
