import CKernels

/// A Q4_1 or Q8_0 weight matrix laid out once, at load time, for the interleaved kernels
/// (Sources/CKernels/interleaved.c): groups of 16 rows whose blocks are stored so one AVX-512
/// VNNI instruction advances the 16 rows' dot products together (AVX2 and AVX-VNNI 8 of them,
/// on the same layout, so the layout does not depend on the kernel level). It takes as many bytes as the
/// stored matrix; the file's copy stays mapped for row lookups (token embeddings).
final class InterleavedMatrix: @unchecked Sendable {
    static let groupRows = 16

    let rows: Int
    let columns: Int
    /// `ATRIUM_INTERLEAVED_Q4_1` or `ATRIUM_INTERLEAVED_Q8_0`.
    let format: Int32
    let blocks: Int
    let groupBytes: Int
    private let storage: UnsafeMutableRawPointer

    /// Whether the active kernel level has the interleaved kernels (AVX2 and up).
    static var isAvailable: Bool { KernelISA.active.hasInterleavedKernels }

    /// Interleaves `tensor`; nil when the kernels do not cover it (another type, or rows not a
    /// multiple of 16), and the row-major kernels take it.
    init?(_ tensor: Tensor) {
        guard tensor.rows % Self.groupRows == 0, tensor.columns % 32 == 0 else { return nil }
        switch tensor.type {
        case .q4_1: format = ATRIUM_INTERLEAVED_Q4_1
        case .q8_0: format = ATRIUM_INTERLEAVED_Q8_0
        default: return nil
        }
        rows = tensor.rows
        columns = tensor.columns
        blocks = tensor.columns / 32
        groupBytes = atrium_interleaved_group_bytes(format, Int32(blocks))
        let groups = rows / Self.groupRows
        storage = .allocate(byteCount: groups * groupBytes, alignment: 64)
        let source = tensor.data.assumingMemoryBound(to: UInt8.self)
        let destination = storage.assumingMemoryBound(to: UInt8.self)
        for group in 0..<groups {
            let rows = source + group * Self.groupRows * tensor.rowBytes
            let out = destination + group * groupBytes
            if format == ATRIUM_INTERLEAVED_Q4_1 {
                atrium_interleave_q4_1(rows, tensor.rowBytes, Int32(blocks), out)
            } else {
                atrium_interleave_q8_0(rows, tensor.rowBytes, Int32(blocks), out)
            }
        }
    }

    deinit { storage.deallocate() }

    var groupCount: Int { rows / Self.groupRows }

    /// The first byte of group `index` (rows `16 · index …`).
    func group(_ index: Int) -> UnsafePointer<UInt8> {
        UnsafePointer((storage + index * groupBytes).assumingMemoryBound(to: UInt8.self))
    }

    /// Bytes of quantized activations for `tokens` tokens.
    static func activationBytes(columns: Int, tokens: Int) -> Int {
        tokens * atrium_interleaved_activation_bytes(Int32(columns / 32))
    }
}
