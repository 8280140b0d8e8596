/// The register tile of `FloatGEMM`'s micro-kernel: 6 rows × 16 columns of float32 accumulators.
///
/// Six `SIMD16<Float>` are 6 zmm registers with AVX-512 or 12 ymm with AVX2, leaving room for
/// the streamed weight vector and the broadcast inputs, so the inner loop is pure FMAs.
/// Tiles at the edge of a matrix have fewer `rows` (missing rows read row 0 and are not
/// stored) or fewer `columns` (only those are loaded and stored). The hot members are
/// `@inline(always)`: a tile that is not inlined lives in memory, and the loop with it.
struct FloatTile {
    static let rows = 6
    static let columns = 16

    var row0, row1, row2, row3, row4, row5: SIMD16<Float>

    /// Every row set to `value`.
    @inline(always)
    init(repeating value: SIMD16<Float>) {
        (row0, row1, row2, row3, row4, row5) = (value, value, value, value, value, value)
    }

    /// Rows read from a matrix with `stride` floats per row.
    @inline(always)
    init(loading source: UnsafePointer<Float>, stride: Int, rows: Int, columns: Int) {
        self.init(repeating: SIMD16())
        add(source, stride: stride, rows: rows, columns: columns)
    }

    @inline(__always)
    subscript(row: Int) -> SIMD16<Float> {
        get {
            switch row {
            case 0: return row0
            case 1: return row1
            case 2: return row2
            case 3: return row3
            case 4: return row4
            default: return row5
            }
        }
        set {
            switch row {
            case 0: row0 = newValue
            case 1: row1 = newValue
            case 2: row2 = newValue
            case 3: row3 = newValue
            case 4: row4 = newValue
            default: row5 = newValue
            }
        }
    }

    /// Adds `Σ_k a[row][k] · b[k][0..<16]` for `k < depth`: `a` has `aStride` floats per row,
    /// `b` holds 16 floats per step of k, `bStride` floats apart.
    @inline(always)
    mutating func accumulate(
        _ a: UnsafePointer<Float>, aStride: Int, rows: Int,
        _ b: UnsafePointer<Float>, bStride: Int, depth: Int
    ) {
        // Rows past the edge re-read row 0; their sums are never stored.
        let a0 = a
        let a1 = rows > 1 ? a + aStride : a
        let a2 = rows > 2 ? a + 2 * aStride : a
        let a3 = rows > 3 ? a + 3 * aStride : a
        let a4 = rows > 4 ? a + 4 * aStride : a
        let a5 = rows > 5 ? a + 5 * aStride : a
        var (c0, c1, c2, c3, c4, c5) = (row0, row1, row2, row3, row4, row5)
        var weights = UnsafeRawPointer(b)
        let step = bStride * MemoryLayout<Float>.stride
        for k in 0..<depth {
            let w = weights.loadUnaligned(as: SIMD16<Float>.self)
            c0 = c0.addingProduct(SIMD16(repeating: a0[k]), w)
            c1 = c1.addingProduct(SIMD16(repeating: a1[k]), w)
            c2 = c2.addingProduct(SIMD16(repeating: a2[k]), w)
            c3 = c3.addingProduct(SIMD16(repeating: a3[k]), w)
            c4 = c4.addingProduct(SIMD16(repeating: a4[k]), w)
            c5 = c5.addingProduct(SIMD16(repeating: a5[k]), w)
            weights += step
        }
        (row0, row1, row2, row3, row4, row5) = (c0, c1, c2, c3, c4, c5)
    }

    /// Adds rows of a matrix with `stride` floats per row.
    @inline(always)
    private mutating func add(_ source: UnsafePointer<Float>, stride: Int, rows: Int, columns: Int) {
        guard rows == Self.rows && columns == Self.columns else {
            for row in 0..<rows { self[row] += Self.load(source + row * stride, columns: columns) }
            return
        }
        // A whole tile in straight-line code: a row loop over the subscript compiles to a jump table.
        let raw = UnsafeRawPointer(source)
        let step = stride * MemoryLayout<Float>.stride
        row0 += raw.loadUnaligned(as: SIMD16<Float>.self)
        row1 += raw.loadUnaligned(fromByteOffset: step, as: SIMD16<Float>.self)
        row2 += raw.loadUnaligned(fromByteOffset: 2 * step, as: SIMD16<Float>.self)
        row3 += raw.loadUnaligned(fromByteOffset: 3 * step, as: SIMD16<Float>.self)
        row4 += raw.loadUnaligned(fromByteOffset: 4 * step, as: SIMD16<Float>.self)
        row5 += raw.loadUnaligned(fromByteOffset: 5 * step, as: SIMD16<Float>.self)
    }

    /// Multiplies row r by `factors[r]`, for the first `rows` rows.
    @inline(always)
    mutating func scaleRows(by factors: UnsafePointer<Float>, rows: Int) {
        row0 *= factors[0]
        if rows > 1 { row1 *= factors[1] }
        if rows > 2 { row2 *= factors[2] }
        if rows > 3 { row3 *= factors[3] }
        if rows > 4 { row4 *= factors[4] }
        if rows > 5 { row5 *= factors[5] }
    }

    /// Writes the first `rows` rows and `columns` columns into a matrix with `stride` floats per row.
    @inline(always)
    func store(to destination: UnsafeMutablePointer<Float>, stride: Int, rows: Int, columns: Int) {
        guard rows == Self.rows && columns == Self.columns else {
            for row in 0..<rows { Self.store(self[row], to: destination + row * stride, columns: columns) }
            return
        }
        let raw = UnsafeMutableRawPointer(destination)
        let step = stride * MemoryLayout<Float>.stride
        raw.storeBytes(of: row0, as: SIMD16<Float>.self)
        raw.storeBytes(of: row1, toByteOffset: step, as: SIMD16<Float>.self)
        raw.storeBytes(of: row2, toByteOffset: 2 * step, as: SIMD16<Float>.self)
        raw.storeBytes(of: row3, toByteOffset: 3 * step, as: SIMD16<Float>.self)
        raw.storeBytes(of: row4, toByteOffset: 4 * step, as: SIMD16<Float>.self)
        raw.storeBytes(of: row5, toByteOffset: 5 * step, as: SIMD16<Float>.self)
    }

    @inline(__always)
    private static func load(_ source: UnsafePointer<Float>, columns: Int) -> SIMD16<Float> {
        if columns == Self.columns { return UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self) }
        var vector = SIMD16<Float>()
        for column in 0..<columns { vector[column] = source[column] }
        return vector
    }

    @inline(__always)
    private static func store(_ vector: SIMD16<Float>, to destination: UnsafeMutablePointer<Float>, columns: Int) {
        if columns == Self.columns {
            UnsafeMutableRawPointer(destination).storeBytes(of: vector, as: SIMD16<Float>.self)
            return
        }
        for column in 0..<columns { destination[column] = vector[column] }
    }
}
