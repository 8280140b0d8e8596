import CKernels

/// The instruction-set level the C kernels run at. Every level is compiled into the binary
/// (Sources/CKernels/dispatch.c); at start the fastest one this CPU has is chosen, or the one
/// the `ATRIUM_KERNELS` environment variable names (`scalar`, `avx2`, `avx2-vnni`,
/// `avx512-vnni`, `avx512-amx`, `neon-dotprod`) — to test or measure a slower level on a faster machine.
/// A model can also be loaded for one level (`LanguageModel(… kernels:)`), whatever is active.
public enum KernelISA: Int32, CaseIterable, Sendable, CustomStringConvertible {
    /// Portable C, one dot product at a time: the reference the others are tested against.
    case scalar = 0
    /// AVX2 with FMA and F16C (x86-64-v3): byte products by `vpmaddubsw`.
    case avx2 = 1
    /// AVX2 with AVX-VNNI: 256-bit `vpdpbusd`.
    case avx2VNNI = 2
    /// AVX-512 F/BW/VL/DQ with VNNI: 512-bit `vpdpbusd`.
    case avx512VNNI = 3
    /// aarch64 with the ARMv8.2 dot product (`sdot`).
    case neonDotProduct = 4
    /// AVX-512 VNNI's kernels with the sentence encoder's int16 products on AMX tiles (AMX-INT8,
    /// Intel Xeon since Sapphire Rapids): the same bits, faster.
    case avx512AMX = 5

    /// The name `ATRIUM_KERNELS` takes and the logs show.
    public var name: String { String(cString: atrium_isa_name(rawValue)) }
    public var description: String { name }

    /// The level named `name`, if any.
    public init?(name: String) {
        let value = atrium_isa_named(name)
        guard value >= 0, let isa = KernelISA(rawValue: value) else { return nil }
        self = isa
    }

    /// Whether this binary has the level and this CPU runs it.
    public var isSupported: Bool { atrium_kernel_table_for(rawValue) != nil }

    /// Whether the level has the interleaved kernels (`InterleavedMatrix`), the batched fast path.
    public var hasInterleavedKernels: Bool { atrium_kernel_table_for(rawValue)?.pointee.interleaved_gemm != nil }

    /// The levels this CPU runs, slowest first.
    public static var supported: [KernelISA] { allCases.filter(\.isSupported) }

    /// The fastest level this CPU runs.
    public static var best: KernelISA { KernelISA(rawValue: atrium_isa_best()) ?? .scalar }

    /// The level models run at unless told otherwise.
    public static var active: KernelISA { KernelISA(rawValue: atrium_kernels_active().pointee.isa) ?? .scalar }

    /// Makes `isa` the active level; false (and nothing changes) when this CPU cannot run it.
    /// Models loaded before keep the level they were loaded with.
    @discardableResult
    public static func select(_ isa: KernelISA) -> Bool { atrium_isa_select(isa.rawValue) == 0 }

    /// Why `ATRIUM_KERNELS` was not followed, if it was set and was not: for the start-up log.
    public static var environmentProblem: String? {
        switch atrium_isa_requested() {
        case -1: return nil
        case -2:
            return "ATRIUM_KERNELS names no kernel level (one of \(allCases.map(\.name).joined(separator: ", ")), or auto); running \(active)"
        case let value:
            guard let isa = KernelISA(rawValue: value), !isa.isSupported else { return nil }
            return "ATRIUM_KERNELS=\(isa) is not supported by this CPU; running \(active)"
        }
    }

    /// One line for logs and benchmarks: the active level, those the CPU runs, and whether it
    /// was forced (`ATRIUM_KERNELS`, `atrium bench --kernels`) rather than the best.
    public static var summary: String {
        let how = active == best ? "the best this CPU runs" : "forced; the best this CPU runs is \(best)"
        return "\(active) (\(how); it runs \(supported.map(\.name).joined(separator: ", ")))"
    }
}
