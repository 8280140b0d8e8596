import ArgumentParser
import Inference

/// `atrium inspect MODEL`: prints a GGUF file's metadata and tensor table.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a GGUF model's metadata and tensor table.")

    @Argument(help: "A GGUF file path or a model name (smollm2-135m).")
    var model: String

    @Flag(help: "Also list every tensor.")
    var tensors = false

    func run() throws {
        let file = try GGUFFile(path: ModelLocator().ggufPath(for: model))
        print("GGUF v\(file.version), \(file.tensors.count) tensors, data at \(file.dataOffset), alignment \(file.alignment)")
        for key in file.metadata.keys {
            guard let value = file.metadata[key] else { continue }
            print("\(key) = \(summary(of: value))")
        }
        if tensors {
            for tensor in file.tensors {
                print("\(tensor.name)\t\(tensor.type)\t\(tensor.shape)")
            }
        }
    }

    private func summary(of value: GGUFValue) -> String {
        if let array = value.array {
            let head = array.prefix(8).map(summary(of:)).joined(separator: ", ")
            return "[\(head)\(array.count > 8 ? ", … (\(array.count))" : "")]"
        }
        if let string = value.string { return string.count > 80 ? "\(string.prefix(80).debugDescription)…" : string.debugDescription }
        if let bool = value.bool { return String(bool) }
        if let integer = value.integer { return String(integer) }
        return value.double.map { String($0) } ?? "?"
    }
}
