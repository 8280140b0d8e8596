import CKernels

/// A float32 linear weight `[rows][columns]` with its bias, rounded once at load time to the
/// 10-bit integers `Int16GEMM` multiplies (Sources/CKernels/int16_gemm.c): one scale per row,
/// panels of 16 rows laid out as the kernels' level multiplies them — by pairs of columns
/// (`[panel][columns/2][16][2]`), or in byte tiles on AMX (int16_gemm_amx.c).
final class PackedInt16Matrix: @unchecked Sendable {
    /// Output features.
    let rows: Int
    /// Input features (the reduction length).
    let columns: Int
    let panelCount: Int
    /// The level the weights were laid out for (`KernelSet.int16Layout`).
    let kernels: KernelSet
    /// The packed weights, in `kernels`' layout.
    let storage: UnsafeMutablePointer<Int16>
    /// `[panelCount · 16]`: each row's scale, zero past `rows`.
    let scales: UnsafeMutablePointer<Float>
    /// `[panelCount · 16]`, zero past `rows`.
    let bias: UnsafeMutablePointer<Float>

    /// Whether rows of `columns` inputs fit the kernels: an even count whose sums stay in int32.
    static func supports(columns: Int) -> Bool {
        columns > 0 && columns % 2 == 0 && columns <= Int(ATRIUM_I16_MAX_COLUMNS)
    }

    /// Packs the matrices `parts` stacked on top of one another (as `PackedFloatMatrix` does),
    /// for `kernels`' layout.
    init(stacking parts: [(weight: Tensor, bias: Tensor?)], kernels: KernelSet) throws {
        self.kernels = kernels
        (rows, columns) = try PackedFloatMatrix.checkedShape(of: parts)
        precondition(Self.supports(columns: columns), "PackedInt16Matrix cannot hold rows of \(columns) inputs")
        let width = Int(ATRIUM_I16_PANEL)
        panelCount = (rows + width - 1) / width
        let layout = kernels.int16Layout
        let count = layout.packed_count!(Int32(rows), Int32(columns))
        storage = UnsafeMutableRawPointer.allocate(byteCount: count * 2, alignment: AlignedFloats.alignment)
            .bindMemory(to: Int16.self, capacity: count)
        scales = AlignedFloats.allocate(panelCount * width)
        bias = AlignedFloats.allocate(panelCount * width)
        bias.initialize(repeating: 0, count: panelCount * width)

        // The stacked rows, row-major, as the packing function takes them.
        let stacked = AlignedFloats.allocate(rows * columns)
        defer { stacked.deallocate() }
        var row = 0
        for part in parts {
            let source = part.weight.data.assumingMemoryBound(to: Float.self)
            (stacked + row * columns).update(from: source, count: part.weight.rows * columns)
            if let partBias = part.bias?.data.assumingMemoryBound(to: Float.self) {
                (bias + row).update(from: partBias, count: part.weight.rows)
            }
            row += part.weight.rows
        }
        layout.pack_weights!(stacked, Int32(rows), Int32(columns), storage, scales)
    }

    deinit {
        storage.deallocate()
        scales.deallocate()
        bias.deallocate()
    }
}
