import Foundation
import Inference

/// Passages per second of a `SentenceEmbedder`, measured the way the sentence-transformers
/// anchor was (shared/reference/all-minilm-l6-v2/README.md): passages of exactly 128 and 256
/// word pieces, `[CLS]`/`[SEP]` included, embedded 32 per call; one warm-up, then the median
/// of three timed runs. Figures from a machine with other work running are not comparable;
/// with one thread, passages per CPU-second (also printed) stay close to the quiet-machine rate.
struct EmbedBenchmark {
    let folder: String
    let passageCount = 128
    let batchSize = 32
    let lengths = [128, 256]

    func run(threadCounts: [Int], precisions: [EmbeddingPrecision]) throws {
        for threads in threadCounts {
          for precision in precisions {
            print("\(precision), kernels \(KernelISA.summary)")
            let embedder = try SentenceEmbedder(folder: folder, threads: threads, precision: precision)
            for length in lengths where length <= embedder.maxTokens {
                let passages = Self.passages(count: passageCount, tokens: length, tokenizer: embedder.tokenizer)
                _ = try embedder.embed(Array(passages.prefix(batchSize)))
                var timings: [(wall: Double, cpu: Double)] = []
                for _ in 0..<3 {
                    let start = (wall: DispatchTime.now().uptimeNanoseconds, cpu: Self.processCPUSeconds())
                    for first in stride(from: 0, to: passages.count, by: batchSize) {
                        _ = try embedder.embed(Array(passages[first..<min(passages.count, first + batchSize)]))
                    }
                    timings.append((
                        Double(DispatchTime.now().uptimeNanoseconds - start.wall) / 1e9, Self.processCPUSeconds() - start.cpu))
                }
                let median = timings.sorted { $0.wall < $1.wall }[1]
                let rate = Double(passages.count) / median.wall, perCPUSecond = Double(passages.count) / median.cpu
                // Against scripts/bench-multiply-add-peak's figure for one core.
                let multiplyAdds = Double(embedder.configuration.multiplyAdds(tokens: length)) * perCPUSecond
                print(String(
                    format: "threads %d, %d tokens: %.1f passages/s (%.0f tokens/s; %.1f passages per CPU-second, "
                        + "%.1f G multiply-adds per CPU-second; runs %@ s)",
                    threads, length, rate, rate * Double(length), perCPUSecond, multiplyAdds / 1e9,
                    timings.map { String(format: "%.2f", $0.wall) }.joined(separator: ", ")))
            }
            print(String(format: "threads %d, one short query: %.2f ms median", threads, try queryMilliseconds(embedder)))
          }
        }
    }

    /// Median time to embed one search query alone, the common case of `POST /v1/embeddings`.
    private func queryMilliseconds(_ embedder: SentenceEmbedder) throws -> Double {
        let query = "How do I copy a directory and keep its permissions?"
        _ = try embedder.embed([query])
        let timings = try (0..<50).map { _ in
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try embedder.embed([query])
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        return timings.sorted()[timings.count / 2]
    }

    /// CPU time used by every thread of this process so far.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Passages cut from `text` at word boundaries, each exactly `tokens` pieces long.
    /// Whitespace-separated words tokenize independently, so piece counts simply add up.
    static func passages(count: Int, tokens: Int, tokenizer: WordPieceTokenizer) -> [String] {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        let pieces = words.map { tokenizer.pieces($0).count }
        return (0..<count).map { index in
            var passage: [String] = []
            var length = 2  // [CLS] and [SEP]
            var word = (index * 37) % words.count
            while length < tokens {
                if pieces[word] > 0 && length + pieces[word] <= tokens {
                    passage.append(words[word])
                    length += pieces[word]
                }
                word = (word + 1) % words.count
            }
            return passage.joined(separator: " ")
        }
    }

    /// English prose in the style of a manual page.
    static let text = """
        The copy command duplicates files and directories. Given two file names, it copies the \
        first to the second, replacing the destination if it already exists and the user has \
        permission to write it. Given a directory as the last argument, it copies every named \
        source into that directory under its own name. By default it does not copy directories; \
        the recursive option walks each source tree and recreates it, following the structure of \
        subdirectories, regular files and symbolic links. When the archive option is set, \
        ownership, permissions and modification times are preserved as closely as the target \
        file system allows, and links are copied as links rather than followed. The interactive \
        option asks before overwriting anything, while the no-clobber option silently keeps \
        existing files. A backup of each overwritten file can be kept with a numbered or simple \
        suffix, chosen by an environment variable or a command-line flag. Sparse files are \
        detected by reading blocks of zeros, and holes are recreated in the copy unless the \
        sparse option says otherwise. On file systems that support it, the reflink option makes \
        a lightweight clone that shares data blocks until one of the copies is modified. Exit \
        status is zero when every file was copied and greater than zero when an error occurred; \
        errors are reported on standard error with the name of the file concerned. The list \
        command shows information about files: by default the contents of the current \
        directory, sorted alphabetically, with entries whose names begin with a dot left out. \
        The long format prints the file type, permission bits, number of hard links, owner, \
        group, size in bytes and the time of last modification, followed by the name. Sizes can \
        be printed in human-readable units, and times can be shown in several styles, including \
        full ISO 8601 timestamps. Colors distinguish directories, executables and links when the \
        output is a terminal. The find utility searches a directory hierarchy for files that \
        match an expression built from tests such as name patterns, types, sizes, ages and \
        permissions, combined with logical operators. Each matching file can be printed, deleted \
        or passed to another program. Because the expression is evaluated from left to right, \
        placing cheap tests before expensive ones makes a search faster, and pruning whole \
        directories avoids descending into trees that cannot contain a match.
        """
}
