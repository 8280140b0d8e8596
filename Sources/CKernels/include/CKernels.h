// Integer dot-product tiles for Atrium's quantized matrix products.
//
// Swift could not reach llama.cpp's speed here: the same Q4_1×Q8_1 block dot written as a
// plain Swift loop ran at 0.65× of this C version in one side-by-side run, and Swift's SIMD
// types scalarize the widening byte products (DESIGN §5). These kernels use the CPU's
// byte dot-product instructions (AVX2 maddubs, or AVX-VNNI / AVX-512 VNNI dpbusd) and are
// reached only through Sources/Inference/Kernels/MatMul.swift; each has a Swift scalar
// reference it is tested against.
//
// Every kernel is compiled once per ISA level (scalar, AVX2, AVX2 + AVX-VNNI, AVX-512 VNNI;
// NEON dot product on aarch64) into one binary, and one level is chosen at start from cpuid
// (dispatch.c). The plain `atrium_*` functions below run the chosen level; a caller that
// wants a given level (tests, benchmarks) takes its table from `atrium_kernel_table_for`.
#ifndef ATRIUM_CKERNELS_H
#define ATRIUM_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Tells the CPU the caller is spin-waiting (x86 `pause`), which frees resources for the other
/// hyperthread and saves power while a worker waits for the next job.
static inline void atrium_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// ISA levels of the kernels, slowest first.
#define ATRIUM_ISA_SCALAR 0
#define ATRIUM_ISA_AVX2 1
#define ATRIUM_ISA_AVX2_VNNI 2
#define ATRIUM_ISA_AVX512_VNNI 3
#define ATRIUM_ISA_NEON_DOTPROD 4
/// AVX-512 VNNI's kernels, with the int16 GEMM on AMX tiles (int16_gemm_amx.c).
#define ATRIUM_ISA_AVX512_AMX 5
#define ATRIUM_ISA_COUNT 6

/// How a level lays out the int16 GEMM's operands: weights by pairs of columns
/// (`atrium_i16_pairs`, int16_gemm.c) on every level but AMX, which multiplies byte tiles
/// (int16_gemm_amx.c). A matrix packed for one layout is multiplied only by its levels.
typedef struct atrium_i16_layout {
    /// int16 elements of a packed `rows` × `columns` weight matrix.
    size_t (*packed_count)(int rows, int columns);
    /// Rounds row-major float weights into the packed form, one scale per row (0 past `rows`).
    void (*pack_weights)(const float *weights, int rows, int columns, int16_t *packed, float *scales);
    /// int16 elements of the rounded inputs of `tokens` tokens of `columns`.
    size_t (*activation_count)(int tokens, int columns);
    /// Rounds `tokens` rows of floats (`input_stride` apart), one scale per token.
    void (*quantize)(const float *input, size_t input_stride, int tokens, int columns, int16_t *out, float *scales);
} atrium_i16_layout;

extern const atrium_i16_layout atrium_i16_pairs;

/// One ISA level's kernels (signatures as the plain functions of the same name below).
/// The interleaved entries are NULL where the level has no interleaved kernels (scalar, NEON).
typedef struct atrium_kernel_table {
    int isa;
    void (*gemm_q4_1_q8_1)(const uint8_t *, size_t, int, const uint8_t *, size_t, int, int, float *, size_t);
    void (*gemm_q8_0_q8_0)(const uint8_t *, size_t, int, const uint8_t *, size_t, int, int, float *, size_t);
    void (*attend_head)(const float *, const uint16_t *, const uint16_t *, size_t, int, int, float, float *, float *);
    void (*attend_group64)(const float *, int, const uint16_t *, const uint16_t *, size_t, int, float, float *,
                           size_t, float *);
    void (*interleaved_quantize)(const float *, size_t, int, int, int, int, uint8_t *);  // + first, count blocks
    void (*interleaved_gemm)(int, const uint8_t *, int, int, const uint8_t *, int, float *, size_t);
    // (packed, weight_scales, bias, rows, columns, first_panel, panels, activations, activation_scales,
    // tokens, out, out_stride): out[t · out_stride + r] = bias[r] + Σ_c W[r][c] · x[t][c] in the
    // rounded values, for the rows of panels first_panel ..< first_panel + panels (only rows <
    // `rows` written) and tokens t < tokens; `weight_scales` and `bias` hold a float for every
    // row of every panel (zero-padded). Its operands are in `i16_layout`, so it is reached only
    // through a table, never as a plain function (the pairs-layout plain functions below pack
    // for every level but AMX).
    void (*gemm_i16)(const int16_t *, const float *, const float *, int, int, int, int, const int16_t *, const float *,
                     int, float *, size_t);
    const atrium_i16_layout *i16_layout;  // of gemm_i16's operands
    void (*bert_attend)(const float *, size_t, size_t, int, int, float, float *, float *);
} atrium_kernel_table;

/// The kernels of `isa`, or NULL when this binary lacks them or this CPU cannot run them.
const atrium_kernel_table *atrium_kernel_table_for(int isa);

/// The kernels the plain functions run: `ATRIUM_KERNELS` (an ISA name) if set and runnable,
/// else the best this CPU runs. Chosen on first use.
const atrium_kernel_table *atrium_kernels_active(void);

/// The fastest level this CPU runs.
int atrium_isa_best(void);

/// Makes `isa` the level the plain functions run; 0 on success, -1 if this CPU cannot run it.
int atrium_isa_select(int isa);

/// The level `ATRIUM_KERNELS` names: -1 when unset (or `auto`), -2 when it names none.
int atrium_isa_requested(void);

/// "scalar", "avx2", "avx2-vnni", "avx512-vnni", "neon-dotprod"; NULL for no level.
const char *atrium_isa_name(int isa);

/// The level named `name` (as atrium_isa_name), or -1.
int atrium_isa_named(const char *name);

/// Whether the active kernels are vectorized (any level but scalar).
int atrium_kernels_vectorized(void);

/// The CPUs the calling thread's affinity mask allows (Linux; `taskset`, a cpuset); 0 when unknown.
int atrium_allowed_cpus(void);

/// out[t * out_stride + r] = Σ_b row_r,b · act_t,b for rows r < rows and tokens t < tokens.
/// Weights: Q4_1 blocks (20 bytes), rows `row_bytes` apart; activations: Q8_1 blocks
/// (36 bytes), tokens `act_bytes` apart; `blocks` blocks of 32 per row.
void atrium_gemm_q4_1_q8_1(const uint8_t *weights, size_t row_bytes, int rows,
                           const uint8_t *activations, size_t act_bytes, int tokens,
                           int blocks, float *out, size_t out_stride);

/// The same for Q8_0 weights (34-byte blocks) and Q8_0 activations (34-byte blocks).
void atrium_gemm_q8_0_q8_0(const uint8_t *weights, size_t row_bytes, int rows,
                           const uint8_t *activations, size_t act_bytes, int tokens,
                           int blocks, float *out, size_t out_stride);

/// Attention of one query head over `count` cached positions (keys and values float16,
/// `kv_stride` elements apart): out = softmax(scale · q·kᵀ) · V. The query and the
/// probabilities are rounded to float16 first, as llama.cpp's float16 matmuls do.
/// `scores` must hold `count` floats.
void atrium_attend_head(const float *query, const uint16_t *keys, const uint16_t *values,
                        size_t kv_stride, int count, int head_dim, float scale,
                        float *scores, float *out);


/// Interleaved kernels (interleaved.c, x86_kernels.inc): weights of 16 rows stored together so
/// AVX-512 VNNI computes 16 dot products per instruction (AVX2 and AVX-VNNI 8 per instruction,
/// on the same layout). Formats:
#define ATRIUM_INTERLEAVED_Q4_1 0
#define ATRIUM_INTERLEAVED_Q8_0 1

/// Whether the active kernels have interleaved ones (AVX2 and up); else never call them.
int atrium_interleaved_available(void);

/// Bytes of one 16-row group of `blocks` blocks per row in `format`.
size_t atrium_interleaved_group_bytes(int format, int blocks);

/// Bytes of one token's quantized activations for rows of `blocks` blocks.
size_t atrium_interleaved_activation_bytes(int blocks);

/// Interleaves 16 rows of Q4_1 (or Q8_0) blocks, `row_bytes` apart, into one group at `out`.
void atrium_interleave_q4_1(const uint8_t *rows, size_t row_bytes, int blocks, uint8_t *out);
void atrium_interleave_q8_0(const uint8_t *rows, size_t row_bytes, int blocks, uint8_t *out);

/// Quantizes `tokens` rows of `blocks · 32` floats (`input_stride` apart) into the
/// interleaved kernels' activation layout, `atrium_interleaved_activation_bytes` per token.
/// (A level's table entry takes two more arguments, `first` and `count`, after `blocks`: it
/// quantizes only those blocks of each row, so that the workers that computed parts of a row
/// can each quantize their own part.)
void atrium_interleaved_quantize(const float *input, size_t input_stride, int tokens, int blocks, uint8_t *out);

/// out[t · out_stride + r] for the `groups · 16` rows of the interleaved `weights` and every
/// token t < tokens of the quantized `activations`.
void atrium_interleaved_gemm(int format, const uint8_t *weights, int groups, int blocks,
                             const uint8_t *activations, int tokens, float *out, size_t out_stride);

/// `heads` (≤ 4) query heads of one GQA group, head_dim 64, laid out one after another in
/// `queries` and `out`, over the same cached keys and values: each head's result is exactly
/// `atrium_attend_head`'s, but every key and value row is read once for the group.
/// `scores` holds `heads` rows of `count` floats, `scores_stride` apart.
void atrium_attend_group64(const float *queries, int heads, const uint16_t *keys, const uint16_t *values,
                           size_t kv_stride, int count, float scale, float *scores, size_t scores_stride,
                           float *out);

/// Int16 kernels for the sentence encoder's linear layers (int16_gemm.c describes the scheme):
/// weights rounded to 10 bits per row, activations to 12 bits per token (the largest magnitudes
/// below), exact int32 sums. Every ISA level gives the scalar reference's bits.
#define ATRIUM_I16_PANEL 16
#define ATRIUM_I16_WEIGHT_LIMIT 511
#define ATRIUM_I16_INPUT_LIMIT 2047
/// The longest rows whose sums stay inside int32 (2048 · 511 · 2047 < 2³¹).
#define ATRIUM_I16_MAX_COLUMNS 2048

/// The pairs layout (`atrium_i16_pairs`), which every level but AMX multiplies.
/// int16 elements of `rows` × `columns` (`columns` even, ≤ ATRIUM_I16_MAX_COLUMNS) packed
/// weights: `[panel][columns/2][16][2]`, rows rounded up to whole panels of 16.
size_t atrium_i16_packed_count(int rows, int columns);

/// Rounds row-major float weights `[rows][columns]` into `packed` (atrium_i16_packed_count
/// elements) with one scale per row into `scales` (rows rounded up to panels of 16; 0 past `rows`).
void atrium_i16_pack_weights(const float *weights, int rows, int columns, int16_t *packed, float *scales);

/// Rounds `tokens` rows of `columns` floats (`input_stride` apart) to int16 `[tokens][columns]`
/// with one scale per token.
void atrium_i16_quantize(const float *input, size_t input_stride, int tokens, int columns, int16_t *out,
                         float *scales);


/// The sentence encoder's self-attention for one sequence and head: out = softmax(q·kᵀ·scale)·v.
/// `queries` points at the head's query of the sequence's first token in rows of `row_stride`
/// floats (query | key | value, each `hidden` wide, the key and value `hidden` and 2·`hidden`
/// floats after the query); `out` at the head's output of that token, rows `hidden` apart.
/// `head_size` is a multiple of 16; `scratch` holds `atrium_bert_attend_scratch(length, head_size)`
/// floats. Every level computes the scalar reference's bits (bert_attention.h).
void atrium_bert_attend(const float *queries, size_t row_stride, size_t hidden, int length, int head_size, float scale,
                        float *scratch, float *out);

/// Floats of scratch `atrium_bert_attend` needs for sequences of up to `length` tokens (a
/// multiple of 16, so that one such block per worker keeps every block 64-byte aligned).
size_t atrium_bert_attend_scratch(int length, int head_size);

#ifdef __cplusplus
}
#endif

#endif
