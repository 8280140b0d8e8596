import Foundation
import Testing
@testable import Inference

/// Model folders with missing or damaged parts are refused with an error naming the file.
@Suite struct SentenceEmbedderFolderTests {
    /// A copy of the MiniLM folder (the weights linked, not copied) with `change` applied.
    private func withFolder(_ change: (URL) throws -> Void, check: (any Error) -> Bool) throws {
        let source = URL(fileURLWithPath: try Fixtures.miniLMFolderPath)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minilm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in ["config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json", "modules.json",
                     "sentence_bert_config.json", "1_Pooling/config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("model.safetensors"), withDestinationURL: source.appendingPathComponent("model.safetensors"))
        try change(folder)
        do {
            _ = try SentenceEmbedder(folder: folder.path, threads: 1)
            Issue.record("the damaged folder was accepted")
        } catch {
            #expect(check(error), "unexpected error: \(error)")
        }
    }

    @Test func damagedSentenceConfigIsRefused() throws {
        try withFolder({ try Data("{max_seq".utf8).write(to: $0.appendingPathComponent("sentence_bert_config.json")) }) {
            guard case BertModelError.unreadableConfiguration(let path, _) = $0 else { return false }
            return path.hasSuffix("sentence_bert_config.json")
        }
    }

    @Test func sequenceLengthBeyondPositionsIsRefused() throws {
        try withFolder({ try Data(#"{"max_seq_length": 1024}"#.utf8).write(to: $0.appendingPathComponent("sentence_bert_config.json")) }) {
            guard case BertModelError.unsupported(_, "max_seq_length", _) = $0 else { return false }
            return true
        }
    }

    @Test func unsupportedPoolingIsRefused() throws {
        let config = #"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}"#
        try withFolder({ try Data(config.utf8).write(to: $0.appendingPathComponent("1_Pooling/config.json")) }) {
            guard case BertModelError.unsupported(_, "pooling modes", _) = $0 else { return false }
            return true
        }
    }

    @Test func unsupportedActivationIsRefused() throws {
        try withFolder({ folder in
            let url = folder.appendingPathComponent("config.json")
            let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"gelu\"", with: "\"relu\"")
            try Data(text.utf8).write(to: url)
        }) {
            guard case BertModelError.unsupported(_, "hidden_act", "relu") = $0 else { return false }
            return true
        }
    }

    @Test func missingWeightsAreRefused() throws {
        try withFolder({ try FileManager.default.removeItem(at: $0.appendingPathComponent("model.safetensors")) }) {
            guard case ModelFileError.cannotOpen = $0 else { return false }
            return true
        }
    }
}
