import CKernels
import Synchronization

/// The int16 matrix product of the sentence encoder's linear layers: for every token t and
/// output o, `output[t][o] = bias[o] + Σ_i x[t][i] · W[o][i]`, with the weights rounded to 10 bits
/// per row at load time (`PackedInt16Matrix`) and each token's inputs to 12 bits as it is
/// multiplied, summed exactly in int32 (Sources/CKernels/int16_gemm.c has the scheme and why).
///
/// Work is shared as `FloatGEMM` shares it: blocks of `blockTokens` tokens by ranges of 16-row
/// panels, taken from a shared counter. Each block's inputs are rounded into the worker's own
/// scratch first, a small cost beside the product (one rounding per input, `rows` products).
/// A token's result depends only on its own inputs, never on its batch or the thread count.
struct Int16GEMM {
    /// Rounded inputs of one block, per worker of the pool.
    final class Scratch: @unchecked Sendable {
        let blockTokens: Int
        let columns: Int
        /// int16 elements of one worker's block in the kernels' layout.
        let valuesPerWorker: Int
        /// `[worker][valuesPerWorker]`.
        let values: UnsafeMutablePointer<Int16>
        /// `[worker][blockTokens]`.
        let scales: UnsafeMutablePointer<Float>

        /// Room for blocks of `blockTokens` tokens of up to `columns` inputs on `threads` workers,
        /// laid out as `kernels` multiply them.
        init(threads: Int, blockTokens: Int = Int16GEMM.blockTokens, columns: Int, kernels: KernelSet) {
            self.blockTokens = blockTokens
            self.columns = columns
            // Whole cache lines per worker, so that workers never share one.
            valuesPerWorker = (kernels.int16Layout.activation_count!(Int32(blockTokens), Int32(columns)) + 31) / 32 * 32
            let count = threads * valuesPerWorker
            values = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 2, alignment: AlignedFloats.alignment)
                .bindMemory(to: Int16.self, capacity: max(1, count))
            scales = AlignedFloats.allocate(threads * blockTokens)
        }

        deinit {
            values.deallocate()
            scales.deallocate()
        }
    }

    static let blockTokens = 96

    let pool: ThreadPool
    let kernels: KernelSet

    /// `input` is `[tokens][weights.columns]`; `output` is `[tokens][weights.rows]`.
    func multiply(
        _ weights: PackedInt16Matrix, _ input: UnsafePointer<Float>, tokens: Int,
        into output: UnsafeMutablePointer<Float>, epilogue: FloatGEMMEpilogue = .none, scratch: Scratch
    ) {
        run(weights, input, tokens, output, epilogue, scratch, splittingPanels: true) { _ in }
    }

    /// The same product, calling `completingRows` with each block of tokens once their output
    /// rows are complete, on the thread that computed them (as `FloatGEMM` does, for a LayerNorm).
    func multiply(
        _ weights: PackedInt16Matrix, _ input: UnsafePointer<Float>, tokens: Int,
        into output: UnsafeMutablePointer<Float>, scratch: Scratch, completingRows: (Range<Int>) -> Void
    ) {
        run(weights, input, tokens, output, .none, scratch, splittingPanels: false, completingRows: completingRows)
    }

    private func run(
        _ weights: PackedInt16Matrix, _ input: UnsafePointer<Float>, _ tokens: Int,
        _ output: UnsafeMutablePointer<Float>, _ epilogue: FloatGEMMEpilogue, _ scratch: Scratch,
        splittingPanels: Bool, completingRows: (Range<Int>) -> Void
    ) {
        guard tokens > 0 else { return }
        precondition(weights.columns <= scratch.columns, "Int16GEMM scratch too narrow for \(weights.columns) inputs")
        let threads = pool.threadCount
        // As FloatGEMM: without panel splitting, at least four token blocks per thread.
        let share = (tokens + threads * 4 - 1) / (threads * 4)
        let blockTokens = splittingPanels || threads == 1 ? scratch.blockTokens : min(scratch.blockTokens, max(1, share))
        let tokenBlocks = (tokens + blockTokens - 1) / blockTokens
        let wantedTasks = threads == 1 || !splittingPanels ? 1 : threads * 16
        let panelGroups = min(weights.panelCount, max(1, (wantedTasks + tokenBlocks - 1) / tokenBlocks))
        let tasks = tokenBlocks * panelGroups
        let next = Atomic<Int>(0)
        let columns = weights.columns
        pool.parallel { worker, _ in
            let values = scratch.values + worker * scratch.valuesPerWorker
            let scales = scratch.scales + worker * scratch.blockTokens
            var rounded: Int? = nil  // the token block whose inputs `values` holds
            while true {
                let task = next.add(1, ordering: .relaxed).oldValue
                guard task < tasks else { return }
                let block = task / panelGroups
                let group = task % panelGroups
                let tokenRange = (block * blockTokens)..<min(tokens, (block + 1) * blockTokens)
                if rounded != block {
                    kernels.quantizeInt16(
                        input + tokenRange.lowerBound * columns, stride: columns, tokens: tokenRange.count,
                        columns: columns, into: values, scales: scales)
                    rounded = block
                }
                let panels = ThreadPool.share(of: weights.panelCount, worker: group, workers: panelGroups)
                let destination = output + tokenRange.lowerBound * weights.rows
                kernels.gemmInt16(
                    weights, panels: panels, values, scales: scales, tokens: tokenRange.count, into: destination,
                    stride: weights.rows)
                if case .gelu = epilogue {
                    Self.applyGELU(destination, stride: weights.rows, tokens: tokenRange.count, panels: panels, rows: weights.rows)
                }
                completingRows(tokenRange)
            }
        }
    }

    /// GELU on the outputs of `panels` for `tokens` rows, while they are still in cache.
    private static func applyGELU(
        _ output: UnsafeMutablePointer<Float>, stride: Int, tokens: Int, panels: Range<Int>, rows: Int
    ) {
        let width = Int(ATRIUM_I16_PANEL)
        for token in 0..<tokens {
            let row = output + token * stride
            for panel in panels {
                let first = panel * width
                if first + width <= rows {
                    let pointer = UnsafeMutableRawPointer(row + first)
                    pointer.storeBytes(of: VectorMath.gelu(pointer.loadUnaligned(as: SIMD16<Float>.self)), as: SIMD16<Float>.self)
                } else {
                    for index in first..<rows {
                        row[index] = VectorMath.gelu(SIMD16(repeating: row[index]))[0]
                    }
                }
            }
        }
    }
}
