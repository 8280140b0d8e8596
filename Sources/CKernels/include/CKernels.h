// Integer dot-product tiles for Atrium's quantized matrix products.
//
// Swift could not reach llama.cpp's speed here: the same Q4_1×Q8_1 block dot written as a
// plain Swift loop ran at 0.65× of this C version in one side-by-side run, and Swift's SIMD
// types scalarize the widening byte products (DESIGN §5). These kernels use the CPU's
// byte dot-product instructions (AVX2 maddubs, or AVX-VNNI / AVX-512 VNNI dpbusd) and are
// reached only through Sources/Inference/Kernels/MatMul.swift; each has a Swift scalar
// reference it is tested against.
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
#endif
}

/// Whether these kernels were compiled with AVX2 (else a portable scalar path runs).
int atrium_kernels_vectorized(void);

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


/// Interleaved kernels (interleaved.c): weights of 16 rows stored together so AVX-512 VNNI
/// computes 16 dot products per instruction. Formats:
#define ATRIUM_INTERLEAVED_Q4_1 0
#define ATRIUM_INTERLEAVED_Q8_0 1

/// Whether the interleaved kernels were compiled (AVX-512 F/BW/VL/VNNI); else never call them.
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

#ifdef __cplusplus
}
#endif

#endif
