import Synchronization

/// Multi-head self-attention over a packed batch: `softmax(q·kᵀ/√d)·v` per (sequence, head).
///
/// Sequences are packed end to end without padding, and each one attends only to its own
/// tokens: the same result a padded batch gets from its attention mask, without computing
/// the padded rows. Both products run on `FloatTile`: per (sequence, head), keys are
/// transposed into `[headSize][keys]` so scores come out 16 keys at a time, and values are
/// copied into contiguous 16-wide panels; queries are taken six at a time.
struct BertAttention {
    let headCount: Int
    let headSize: Int
    let pool: ThreadPool

    var hiddenSize: Int { headCount * headSize }

    /// Floats of scratch each worker needs for sequences of up to `length` tokens.
    static func scratchPerWorker(length: Int, headSize: Int) -> Int {
        let keys = paddedKeys(length)
        // Transposed keys, value panels, six rows of scores, six inverse sums (rounded up to 16
        // floats so every worker's scratch stays 64-byte aligned).
        return 2 * headSize * keys + FloatTile.rows * keys + 16
    }

    /// `queryKeyValue` is `[tokens][3·hidden]` (query | key | value); `context` receives
    /// `[tokens][hidden]`. `scratch` holds `scratchPerWorker` floats for each pool thread.
    func run(
        queryKeyValue: UnsafePointer<Float>, sequences: [Range<Int>],
        into context: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, scratchPerWorker: Int
    ) {
        let tasks = sequences.count * headCount
        let next = Atomic<Int>(0)
        pool.parallel { worker, _ in
            let workerScratch = scratch + worker * scratchPerWorker
            while true {
                let task = next.add(1, ordering: .relaxed).oldValue
                guard task < tasks else { return }
                attend(
                    sequence: sequences[task / headCount], head: task % headCount,
                    queryKeyValue, context, workerScratch)
            }
        }
    }

    private static func paddedKeys(_ length: Int) -> Int { (length + 15) / 16 * 16 }

    private func attend(
        sequence: Range<Int>, head: Int, _ queryKeyValue: UnsafePointer<Float>,
        _ context: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>
    ) {
        let hidden = hiddenSize
        let rowStride = 3 * hidden
        let length = sequence.count
        let keyColumns = Self.paddedKeys(length)
        let width = FloatTile.columns
        let queries = queryKeyValue + sequence.lowerBound * rowStride + head * headSize
        let keysByDimension = scratch  // [headSize][keyColumns]
        let values = scratch + headSize * keyColumns  // [headSize / 16][length][16]
        let scores = values + headSize * keyColumns  // [6][keyColumns]: one block of queries
        let inverseSums = scores + FloatTile.rows * keyColumns  // [6]
        gatherKeysAndValues(from: queries, length: length, keyColumns: keyColumns, keysByDimension, values)
        let scale = 1 / Float(headSize).squareRoot()
        let output = context + sequence.lowerBound * hidden + head * headSize

        // Six queries at a time, so their scores stay in L1 from the product to the weights.
        var query = 0
        while query < length {
            let rows = min(FloatTile.rows, length - query)
            // scores[i][j] = q_i · k_j
            for panel in 0..<(keyColumns / width) {
                var tile = FloatTile(repeating: SIMD16())
                tile.accumulate(
                    queries + query * rowStride, aStride: rowStride, rows: rows,
                    keysByDimension + panel * width, bStride: keyColumns, depth: headSize)
                tile.store(to: scores + panel * width, stride: keyColumns, rows: rows, columns: width)
            }
            for row in 0..<rows {
                inverseSums[row] = Self.exponentiate(scores + row * keyColumns, count: length, scale: scale)
            }
            // context_i = Σ_j p_ij · v_j, with p_ij = e_ij / Σ_j e_ij: dividing the outputs of a
            // row saves a pass over its `length` weights.
            for panel in 0..<(headSize / width) {
                var tile = FloatTile(repeating: SIMD16())
                tile.accumulate(
                    scores, aStride: keyColumns, rows: rows,
                    values + panel * length * width, bStride: width, depth: length)
                tile.scaleRows(by: inverseSums, rows: rows)
                tile.store(to: output + query * hidden + panel * width, stride: hidden, rows: rows, columns: width)
            }
            query += FloatTile.rows
        }
    }

    /// Copies the head's keys transposed (`[headSize][keyColumns]`, zero past `length`) and its
    /// values as 16-wide panels (`[headSize / 16][length][16]`), so both products stream
    /// contiguous vectors instead of rows 3·hidden floats apart, which alias in L1.
    @inline(__always)
    private func gatherKeysAndValues(
        from queries: UnsafePointer<Float>, length: Int, keyColumns: Int,
        _ keysByDimension: UnsafeMutablePointer<Float>, _ values: UnsafeMutablePointer<Float>
    ) {
        let hidden = hiddenSize
        let rowStride = 3 * hidden
        let width = FloatTile.columns
        for firstKey in stride(from: 0, to: length, by: width) {
            for firstDimension in stride(from: 0, to: headSize, by: width) {
                FloatTranspose.transpose16(
                    queries + firstKey * rowStride + hidden + firstDimension, stride: rowStride, rows: length - firstKey,
                    into: keysByDimension + firstDimension * keyColumns + firstKey, stride: keyColumns)
            }
        }
        for token in 0..<length {
            let value = UnsafeRawPointer(queries + token * rowStride + 2 * hidden)
            for panel in 0..<(headSize / width) {
                let vector = value.loadUnaligned(fromByteOffset: panel * width * 4, as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(values + (panel * length + token) * width).storeBytes(of: vector, as: SIMD16<Float>.self)
            }
        }
    }

    /// `row[j] = e^(s_j·scale − max)` for `j < count`; returns `1 / Σ_j row[j]`, so that
    /// `row · inverse` is the softmax. The row is readable up to `count` rounded up to 16.
    /// Out of line so that `exp` is inlined here (inside the much larger `attend`, the
    /// compiler declines to).
    @inline(never)
    static func exponentiate(_ row: UnsafeMutablePointer<Float>, count: Int, scale: Float) -> Float {
        let raw = UnsafeMutableRawPointer(row)
        let vectors = (count + 15) / 16
        let tail = count - (vectors - 1) * 16

        var maximum = SIMD16<Float>(repeating: -.infinity)
        for index in 0..<vectors {
            var scores = raw.loadUnaligned(fromByteOffset: index * 64, as: SIMD16<Float>.self) * scale
            if index == vectors - 1 { scores = VectorMath.firstLanes(scores, count: tail, filler: -.infinity) }
            maximum = VectorMath.maximum(maximum, scores)
        }
        let shift = SIMD16<Float>(repeating: VectorMath.largestLane(maximum))
        var sum = SIMD16<Float>()
        for index in 0..<vectors {
            let scores = raw.loadUnaligned(fromByteOffset: index * 64, as: SIMD16<Float>.self) * scale
            var exponentials = VectorMath.exp(scores - shift)
            if index == vectors - 1 { exponentials = VectorMath.firstLanes(exponentials, count: tail, filler: 0) }
            sum += exponentials
            raw.storeBytes(of: exponentials, toByteOffset: index * 64, as: SIMD16<Float>.self)
        }
        return 1 / sum.sum()
    }
}
