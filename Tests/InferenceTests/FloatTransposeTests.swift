import Testing
@testable import Inference

/// The in-register 16×16 transpose, including blocks cut short at the end of a sequence.
@Suite struct FloatTransposeTests {
    @Test(arguments: [16, 11, 1])
    func transposesAndZeroFillsMissingRows(rows: Int) {
        let sourceStride = 21, destinationStride = 19
        let source = (0..<(16 * sourceStride)).map { Float($0) }
        var destination = [Float](repeating: .nan, count: 16 * destinationStride)
        source.withUnsafeBufferPointer { input in
            destination.withUnsafeMutableBufferPointer { output in
                FloatTranspose.transpose16(
                    input.baseAddress!, stride: sourceStride, rows: rows,
                    into: output.baseAddress!, stride: destinationStride)
            }
        }
        for row in 0..<16 {
            for column in 0..<16 {
                let expected = row < rows ? source[row * sourceStride + column] : 0
                #expect(destination[column * destinationStride + row] == expected, "[\(row)][\(column)]")
            }
        }
    }
}
