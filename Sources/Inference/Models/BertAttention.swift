import CKernels
import Synchronization

/// Multi-head self-attention over a packed batch: `softmax(q·kᵀ/√d)·v` per (sequence, head).
///
/// Sequences are packed end to end without padding, and each one attends only to its own
/// tokens: the same result a padded batch gets from its attention mask, without computing
/// the padded rows. The pool's threads take (sequence, head) pairs one at a time; each runs
/// the C kernel of the model's level (`atrium_bert_attend`, `bert_attention.h`), whose bits
/// are the same on every level.
struct BertAttention {
    let headCount: Int
    let headSize: Int
    let pool: ThreadPool
    let kernels: KernelSet

    var hiddenSize: Int { headCount * headSize }

    /// Floats of scratch each worker needs for sequences of up to `length` tokens (as the C
    /// kernel lays it out: `atrium_bert_attend_scratch`).
    static func scratchPerWorker(length: Int, headSize: Int) -> Int {
        atrium_bert_attend_scratch(Int32(length), Int32(headSize))
    }

    /// `queryKeyValue` is `[tokens][3·hidden]` (query | key | value); `context` receives
    /// `[tokens][hidden]`. `scratch` holds `scratchPerWorker` floats for each pool thread.
    func run(
        queryKeyValue: UnsafePointer<Float>, sequences: [Range<Int>],
        into context: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, scratchPerWorker: Int
    ) {
        let tasks = sequences.count * headCount
        let scale = 1 / Float(headSize).squareRoot()
        let next = Atomic<Int>(0)
        pool.parallel { worker, _ in
            let workerScratch = scratch + worker * scratchPerWorker
            while true {
                let task = next.add(1, ordering: .relaxed).oldValue
                guard task < tasks else { return }
                let sequence = sequences[task / headCount], head = task % headCount
                kernels.bertAttend(
                    queryKeyValue + sequence.lowerBound * 3 * hiddenSize + head * headSize, rowStride: 3 * hiddenSize,
                    hidden: hiddenSize, length: sequence.count, headSize: headSize, scale: scale,
                    scratch: workerScratch,
                    into: context + sequence.lowerBound * hiddenSize + head * headSize)
            }
        }
    }
}
