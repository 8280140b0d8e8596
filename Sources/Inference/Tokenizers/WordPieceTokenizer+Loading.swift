import Foundation

extension WordPieceTokenizer {
    /// Loads the tokenizer of a Hugging Face model folder.
    ///
    /// The vocabulary comes from `vocab.txt` (one token per line, the line number is the id), or
    /// else from the WordPiece model in `tokenizer.json`. Settings come from `tokenizer.json`
    /// (normalizer, model, special added tokens) when present, else from `tokenizer_config.json`.
    /// `tokenizer.json`'s own truncation and padding are ignored: `maxLength` decides.
    public init(folder: String, maxLength: Int) throws {
        let folderURL = URL(fileURLWithPath: folder)
        let tokenizerJSON = try Self.jsonObject(at: folderURL.appendingPathComponent("tokenizer.json"))
        let tokenizerConfig = try Self.jsonObject(at: folderURL.appendingPathComponent("tokenizer_config.json"))

        var configuration = WordPieceConfiguration()
        if let config = tokenizerConfig { Self.apply(tokenizerConfig: config, to: &configuration) }
        if let json = tokenizerJSON { try Self.apply(tokenizerJSON: json, to: &configuration) }

        let vocabularyURL = folderURL.appendingPathComponent("vocab.txt")
        let tokens: [String]
        if FileManager.default.fileExists(atPath: vocabularyURL.path) {
            tokens = try Self.readVocabularyFile(vocabularyURL)
        } else if let json = tokenizerJSON, let model = json["model"] as? [String: Any],
                  let vocabulary = model["vocab"] as? [String: Int] {
            tokens = try Self.tokens(fromVocabulary: vocabulary, path: folderURL.appendingPathComponent("tokenizer.json").path)
        } else {
            throw WordPieceError.noVocabulary(folder: folder)
        }
        try self.init(tokens: tokens, configuration: configuration, maxLength: maxLength)
    }

    private static func jsonObject(at url: URL) throws -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
                throw WordPieceError.unreadable(path: url.path, reason: "not a JSON object")
            }
            return object
        } catch let error as WordPieceError {
            throw error
        } catch {
            throw WordPieceError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }

    private static func readVocabularyFile(_ url: URL) throws -> [String] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw WordPieceError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.last == "\r" ? line.dropLast() : line)
        }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw WordPieceError.unreadable(path: url.path, reason: "the vocabulary is empty") }
        return lines
    }

    /// The id-ordered token list of a `tokenizer.json` vocabulary, whose ids must be 0..<count.
    private static func tokens(fromVocabulary vocabulary: [String: Int], path: String) throws -> [String] {
        var tokens = Array(repeating: "", count: vocabulary.count)
        var seen = Array(repeating: false, count: vocabulary.count)
        for (token, id) in vocabulary {
            guard id >= 0, id < tokens.count, !seen[id] else {
                throw WordPieceError.unreadable(path: path, reason: "vocabulary ids are not 0..<\(tokens.count)")
            }
            tokens[id] = token
            seen[id] = true
        }
        return tokens
    }

    private static func apply(tokenizerConfig config: [String: Any], to configuration: inout WordPieceConfiguration) {
        if let lowercase = config["do_lower_case"] as? Bool { configuration.lowercase = lowercase }
        if let strip = config["strip_accents"] as? Bool { configuration.stripAccents = strip }
        if let chinese = config["tokenize_chinese_chars"] as? Bool { configuration.splitChineseCharacters = chinese }
        if let unknown = config["unk_token"] as? String { configuration.unknownToken = unknown }
        if let classifier = config["cls_token"] as? String { configuration.classifierToken = classifier }
        if let separator = config["sep_token"] as? String { configuration.separatorToken = separator }
    }

    private static func apply(tokenizerJSON json: [String: Any], to configuration: inout WordPieceConfiguration) throws {
        if let normalizer = json["normalizer"] as? [String: Any], normalizer["type"] as? String == "BertNormalizer" {
            if let lowercase = normalizer["lowercase"] as? Bool { configuration.lowercase = lowercase }
            configuration.stripAccents = normalizer["strip_accents"] as? Bool
            if let chinese = normalizer["handle_chinese_chars"] as? Bool { configuration.splitChineseCharacters = chinese }
            if let clean = normalizer["clean_text"] as? Bool { configuration.cleanText = clean }
        }
        if let model = json["model"] as? [String: Any] {
            if let type = model["type"] as? String, type != "WordPiece" {
                throw WordPieceError.invalid("tokenizer.json holds a \(type) model, not WordPiece")
            }
            if let unknown = model["unk_token"] as? String { configuration.unknownToken = unknown }
            if let prefix = model["continuing_subword_prefix"] as? String { configuration.continuationPrefix = prefix }
            if let limit = model["max_input_chars_per_word"] as? Int { configuration.maxCharactersPerWord = limit }
        }
        if let added = json["added_tokens"] as? [[String: Any]] {
            let literal = added.filter { ($0["special"] as? Bool) == true && ($0["normalized"] as? Bool) != true }
            configuration.specialTokens = literal.compactMap { $0["content"] as? String }
        }
    }
}
