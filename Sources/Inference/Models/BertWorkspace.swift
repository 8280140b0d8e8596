/// The activation buffers of one BERT forward pass over up to `capacity` packed tokens,
/// with sequences of up to `maxLength` tokens. Allocated once per `embed` call and reused
/// for each batch of it, so concurrent calls never share memory.
final class BertWorkspace {
    let capacity: Int
    let maxLength: Int
    /// `[capacity][hidden]`: the hidden states, input and output of every layer.
    let hidden: UnsafeMutablePointer<Float>
    /// `[capacity][3·hidden]`: query | key | value.
    let queryKeyValue: UnsafeMutablePointer<Float>
    /// `[capacity][hidden]`: attention context, before the output projection.
    let context: UnsafeMutablePointer<Float>
    /// `[capacity][hidden]`: the attention block's output, after its LayerNorm.
    let attended: UnsafeMutablePointer<Float>
    /// `[capacity][intermediate]`: the feed-forward activations after GELU.
    let intermediate: UnsafeMutablePointer<Float>
    /// Per-thread attention scratch, `attentionScratchPerWorker` floats each.
    let attentionScratch: UnsafeMutablePointer<Float>
    let attentionScratchPerWorker: Int
    /// Per-thread rounded inputs of the int16 linear layers (`Int16GEMM`).
    let int16Scratch: Int16GEMM.Scratch

    /// `kernels`: those of the encoder that will use it (the int16 scratch takes their layout).
    init(configuration: BertConfiguration, capacity: Int, maxLength: Int, threads: Int, kernels: KernelSet = .active) {
        self.capacity = capacity
        self.maxLength = maxLength
        let hiddenSize = configuration.hiddenSize
        hidden = AlignedFloats.allocate(capacity * hiddenSize)
        queryKeyValue = AlignedFloats.allocate(capacity * 3 * hiddenSize)
        context = AlignedFloats.allocate(capacity * hiddenSize)
        attended = AlignedFloats.allocate(capacity * hiddenSize)
        intermediate = AlignedFloats.allocate(capacity * configuration.intermediateSize)
        attentionScratchPerWorker = BertAttention.scratchPerWorker(length: maxLength, headSize: configuration.headSize)
        attentionScratch = AlignedFloats.allocate(attentionScratchPerWorker * threads)
        int16Scratch = Int16GEMM.Scratch(
            threads: threads, columns: max(hiddenSize, configuration.intermediateSize), kernels: kernels)
    }

    deinit {
        hidden.deallocate()
        queryKeyValue.deallocate()
        context.deallocate()
        attended.deallocate()
        intermediate.deallocate()
        attentionScratch.deallocate()
    }
}
