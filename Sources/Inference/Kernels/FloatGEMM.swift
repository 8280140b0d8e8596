import Synchronization

/// What `FloatGEMM` does to each output tile before storing it.
enum FloatGEMMEpilogue {
    case none
    /// GELU (erf form) on every output.
    case gelu
}

/// Blocked float32 matrix multiplication for linear layers: for every token t and output o,
/// `output[t][o] = bias[o] + Σ_i input[t][i] · W[o][i]`, then the epilogue.
///
/// Work is cut into blocks of `blockTokens` tokens by ranges of 16-row panels; workers of the
/// pool take blocks from a shared counter. Inside a block, for each slice of `blockDepth`
/// columns, each panel slice (16 rows × `blockDepth`, at most 24 KB) is applied to every
/// 6-token tile of the block while it sits in L1, and the block's inputs stay in L2.
/// Every output is summed in the same order whatever the blocking or thread count, so a
/// token's result does not depend on which batch it came in.
struct FloatGEMM {
    let pool: ThreadPool
    var blockTokens = 96
    var blockDepth = 384

    init(pool: ThreadPool) { self.pool = pool }

    /// `input` is `[tokens][weights.columns]`; `output` is `[tokens][weights.rows]`.
    func multiply(
        _ weights: PackedFloatMatrix, _ input: UnsafePointer<Float>, tokens: Int,
        into output: UnsafeMutablePointer<Float>, epilogue: FloatGEMMEpilogue = .none
    ) {
        run(weights, input, tokens, output, epilogue, splittingPanels: true) { _ in }
    }

    /// The same product, calling `completingRows` with each block of tokens as soon as their
    /// output rows are complete, on the thread that computed them: a row-wise step (a
    /// LayerNorm) then runs while the rows are still in cache, without another pass over the
    /// pool. Work is split by tokens only.
    func multiply(
        _ weights: PackedFloatMatrix, _ input: UnsafePointer<Float>, tokens: Int,
        into output: UnsafeMutablePointer<Float>, completingRows: (Range<Int>) -> Void
    ) {
        run(weights, input, tokens, output, .none, splittingPanels: false, completingRows: completingRows)
    }

    private func run(
        _ weights: PackedFloatMatrix, _ input: UnsafePointer<Float>, _ tokens: Int,
        _ output: UnsafeMutablePointer<Float>, _ epilogue: FloatGEMMEpilogue, splittingPanels: Bool,
        completingRows: (Range<Int>) -> Void
    ) {
        guard tokens > 0 else { return }
        let threads = pool.threadCount
        // Only token blocks to share: make at least four per thread (whole tiles), so a single
        // query of a few tokens still keeps every thread busy.
        let share = (tokens + threads * 4 - 1) / (threads * 4)
        let blockTokens = splittingPanels || threads == 1
            ? self.blockTokens
            : min(self.blockTokens, max(1, (share + FloatTile.rows - 1) / FloatTile.rows) * FloatTile.rows)
        let tokenBlocks = (tokens + blockTokens - 1) / blockTokens
        // With several threads, cut the panels too until there are about 16 tasks per thread,
        // so a thread that finishes early (or is preempted) leaves little work unbalanced; a
        // single query of a few tokens is then still spread over every thread.
        let wantedTasks = threads == 1 || !splittingPanels ? 1 : threads * 16
        let panelGroups = min(weights.panelCount, max(1, (wantedTasks + tokenBlocks - 1) / tokenBlocks))
        let tasks = tokenBlocks * panelGroups
        let next = Atomic<Int>(0)
        pool.parallel { _, _ in
            while true {
                let task = next.add(1, ordering: .relaxed).oldValue
                guard task < tasks else { return }
                let block = task / panelGroups
                let group = task % panelGroups
                let tokenRange = (block * blockTokens)..<min(tokens, (block + 1) * blockTokens)
                let panels = ThreadPool.share(of: weights.panelCount, worker: group, workers: panelGroups)
                multiplyBlock(weights, input, tokenRange, panels, output, epilogue)
                completingRows(tokenRange)
            }
        }
    }

    private func multiplyBlock(
        _ weights: PackedFloatMatrix, _ input: UnsafePointer<Float>, _ tokenRange: Range<Int>,
        _ panels: Range<Int>, _ output: UnsafeMutablePointer<Float>, _ epilogue: FloatGEMMEpilogue
    ) {
        let columns = weights.columns
        let rows = weights.rows
        let width = FloatTile.columns
        var depthStart = 0
        while depthStart < columns {
            let depth = min(blockDepth, columns - depthStart)
            let isFirst = depthStart == 0
            let isLast = depthStart + depth == columns
            for panel in panels {
                let panelWeights = weights.panel(panel) + depthStart * width
                let firstRow = panel * width
                let panelRows = min(width, rows - firstRow)
                let bias = UnsafeRawPointer(weights.bias + firstRow).loadUnaligned(as: SIMD16<Float>.self)
                var token = tokenRange.lowerBound
                while token < tokenRange.upperBound {
                    let tileTokens = min(FloatTile.rows, tokenRange.upperBound - token)
                    let destination = output + token * rows + firstRow
                    var tile = isFirst
                        ? FloatTile(repeating: bias)
                        : FloatTile(loading: destination, stride: rows, rows: tileTokens, columns: panelRows)
                    tile.accumulate(
                        input + token * columns + depthStart, aStride: columns, rows: tileTokens,
                        panelWeights, bStride: width, depth: depth)
                    if isLast, case .gelu = epilogue { Self.applyGELU(to: &tile) }
                    tile.store(to: destination, stride: rows, rows: tileTokens, columns: panelRows)
                    token += FloatTile.rows
                }
            }
            depthStart += depth
        }
    }

    /// Out of line, once per tile: the tile loop of `multiplyBlock` stays small, and the
    /// optimizer's inlining budget for it is not spent on six GELUs.
    @inline(never)
    private static func applyGELU(to tile: inout FloatTile) {
        tile.row0 = VectorMath.gelu(tile.row0)
        tile.row1 = VectorMath.gelu(tile.row1)
        tile.row2 = VectorMath.gelu(tile.row2)
        tile.row3 = VectorMath.gelu(tile.row3)
        tile.row4 = VectorMath.gelu(tile.row4)
        tile.row5 = VectorMath.gelu(tile.row5)
    }
}
