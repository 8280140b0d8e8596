import Foundation

/// How a sentence-transformers model turns token vectors into one sentence vector
/// (`1_Pooling/config.json`).
public enum SentencePooling: Sendable, Equatable {
    /// The average over the sequence's tokens, `[CLS]` and `[SEP]` included. Also stands for
    /// `mean_sqrt_len_tokens`, which differs only by a factor that normalization removes.
    case mean
    /// The `[CLS]` token's vector.
    case classToken
    /// The per-dimension maximum over the tokens.
    case max

    /// Reads the pooling module named in `modules.json` of a sentence-transformers folder;
    /// a folder without one pools by mean, as sentence-transformers does for a bare model.
    public init(folder: String) throws {
        let folderURL = URL(fileURLWithPath: folder)
        var poolingPath = "1_Pooling"
        let modulesURL = folderURL.appendingPathComponent("modules.json")
        if FileManager.default.fileExists(atPath: modulesURL.path) {
            let modules: Any
            do { modules = try JSONSerialization.jsonObject(with: Data(contentsOf: modulesURL)) } catch {
                throw BertModelError.unreadableConfiguration(path: modulesURL.path, reason: error.localizedDescription)
            }
            guard let list = modules as? [[String: Any]] else {
                throw BertModelError.unreadableConfiguration(path: modulesURL.path, reason: "not a list of modules")
            }
            guard let module = list.first(where: { ($0["type"] as? String)?.hasSuffix("models.Pooling") == true }),
                  let path = module["path"] as? String
            else { self = .mean; return }
            poolingPath = path
        }
        let configURL = folderURL.appendingPathComponent(poolingPath).appendingPathComponent("config.json")
        guard let config = try SentenceEmbedder.optionalJSONObject(at: configURL) else { self = .mean; return }
        let modes = config.filter { $0.key.hasPrefix("pooling_mode_") && ($0.value as? Bool) == true }.map(\.key)
        switch modes {
        case ["pooling_mode_mean_tokens"], ["pooling_mode_mean_sqrt_len_tokens"]: self = .mean
        case ["pooling_mode_cls_token"]: self = .classToken
        case ["pooling_mode_max_tokens"]: self = .max
        default:
            throw BertModelError.unsupported(
                path: configURL.path, setting: "pooling modes", value: modes.sorted().joined(separator: "+"))
        }
    }

    /// Pools `count` rows of `width` floats into `output`, then scales it to unit length
    /// (`v / max(‖v‖₂, 1e-12)`).
    func poolAndNormalize(
        _ rows: UnsafePointer<Float>, count: Int, width: Int, into output: UnsafeMutableBufferPointer<Float>
    ) {
        switch self {
        case .classToken:
            for index in 0..<width { output[index] = rows[index] }
        case .mean:
            for index in 0..<width { output[index] = 0 }
            for row in 0..<count {
                for index in 0..<width { output[index] += rows[row * width + index] }
            }
            let divisor = Float(count)
            for index in 0..<width { output[index] /= divisor }
        case .max:
            for index in 0..<width { output[index] = -.infinity }
            for row in 0..<count {
                for index in 0..<width { output[index] = Swift.max(output[index], rows[row * width + index]) }
            }
        }
        var squares: Float = 0
        for value in output { squares += value * value }
        let scale = 1 / Swift.max(squares.squareRoot(), 1e-12)
        for index in 0..<width { output[index] *= scale }
    }
}
