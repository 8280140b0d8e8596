// Quantized matrix products on weights interleaved by 16 rows, for AVX-512 VNNI.
//
// The row-major kernels in kernels.c compute one dot product per (row, token) and reduce
// each in its own register. Batched decoding multiplies the same weights by 8–16 tokens,
// and there the reductions, not the loads, cost most. Here the weights of 16 rows are stored
// so that one 64-byte load holds four consecutive elements of each of the 16 rows: one
// `vpdpbusd` with a token's four activation bytes broadcast then advances 16 dot products at
// once, and the result of a block is already a vector of 16 outputs — no reduction at all.
//
// Layout of one 16-row group, block after block (32 elements per block):
//   Q4_1: 16 × f16 d, 16 × f16 m, then 4 chunks of 64 bytes: chunk c, 32-bit lane r holds the
//         bytes qs[4c … 4c+3] of row r (low nibbles: elements 4c…4c+3, high: 16+4c…16+4c+3);
//         320 bytes per block, as many as the 16 rows' Q4_1 blocks.
//   Q8_0: 16 × f16 d, then 8 chunks of 64 bytes: chunk c, lane r holds q[4c … 4c+3] + 128 of
//         row r, as unsigned bytes (vpdpbusd multiplies unsigned by signed); 544 bytes.
// Activations, per token: `blocks` × 32 signed bytes, then `blocks` × {d, s, bias, 0}:
// d and s = d·Σq rounded to float16 and back as llama.cpp's Q8_1 stores them, and
// bias = −128·Σq, the exact correction for the +128 of Q8_0 weights.
//
// Every token's outputs are computed by the same instructions in the same order whatever
// the number of tokens, so a sequence's logits do not depend on what it is batched with.
#include "CKernels.h"

#include <string.h>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__) && defined(__F16C__)
#include <immintrin.h>
#define ATRIUM_INTERLEAVED 1
#endif

#define GROUP_ROWS 16
#define Q4_GROUP_BLOCK_BYTES 320
#define Q8_GROUP_BLOCK_BYTES 544
#define META_BYTES 16
#define TOKEN_TILE 8
#define TOKEN_CHUNK 64
// Weights stream from memory once per step; asking for them ahead keeps loads from stalling.
#define PREFETCH_BYTES 1280

int atrium_interleaved_available(void) {
#ifdef ATRIUM_INTERLEAVED
    return 1;
#else
    return 0;
#endif
}

size_t atrium_interleaved_activation_bytes(int blocks) { return (size_t)blocks * (32 + META_BYTES); }

size_t atrium_interleaved_group_bytes(int format, int blocks) {
    return (size_t)blocks * (format == ATRIUM_INTERLEAVED_Q4_1 ? Q4_GROUP_BLOCK_BYTES : Q8_GROUP_BLOCK_BYTES);
}

void atrium_interleave_q4_1(const uint8_t *rows, size_t row_bytes, int blocks, uint8_t *out) {
    for (int b = 0; b < blocks; b++) {
        uint8_t *block = out + (size_t)b * Q4_GROUP_BLOCK_BYTES;
        for (int r = 0; r < GROUP_ROWS; r++) {
            const uint8_t *source = rows + r * row_bytes + b * 20;
            memcpy(block + 2 * r, source, 2);       // d
            memcpy(block + 32 + 2 * r, source + 2, 2);  // m
            for (int c = 0; c < 4; c++) memcpy(block + 64 + 64 * c + 4 * r, source + 4 + 4 * c, 4);
        }
    }
}

void atrium_interleave_q8_0(const uint8_t *rows, size_t row_bytes, int blocks, uint8_t *out) {
    for (int b = 0; b < blocks; b++) {
        uint8_t *block = out + (size_t)b * Q8_GROUP_BLOCK_BYTES;
        for (int r = 0; r < GROUP_ROWS; r++) {
            const uint8_t *source = rows + r * row_bytes + b * 34;
            memcpy(block + 2 * r, source, 2);
            for (int c = 0; c < 8; c++)
                for (int i = 0; i < 4; i++) block[32 + 64 * c + 4 * r + i] = (uint8_t)(source[2 + 4 * c + i] ^ 0x80);
        }
    }
}

#ifdef ATRIUM_INTERLEAVED

static inline float round_to_half(float value) { return _cvtsh_ss(_cvtss_sh(value, _MM_FROUND_TO_NEAREST_INT)); }

void atrium_interleaved_quantize(const float *input, size_t input_stride, int tokens, int blocks, uint8_t *out) {
    const size_t token_bytes = atrium_interleaved_activation_bytes(blocks);
    for (int t = 0; t < tokens; t++) {
        const float *x = input + t * input_stride;
        int8_t *q = (int8_t *)(out + t * token_bytes);
        float *meta = (float *)(out + t * token_bytes + (size_t)blocks * 32);
        for (int b = 0; b < blocks; b++) {
            const __m512 lo = _mm512_loadu_ps(x + 32 * b), hi = _mm512_loadu_ps(x + 32 * b + 16);
            const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(lo), _mm512_abs_ps(hi)));
            const float d = amax / 127;
            const float inverse = d == 0 ? 0 : 1 / d;
            const __m512 scale = _mm512_set1_ps(inverse);
            // cvtps rounds to nearest even, as Swift's `.toNearestOrEven` in Q8_1.quantize.
            const __m512i qlo = _mm512_cvtps_epi32(_mm512_mul_ps(lo, scale));
            const __m512i qhi = _mm512_cvtps_epi32(_mm512_mul_ps(hi, scale));
            _mm_storeu_si128((__m128i *)(q + 32 * b), _mm512_cvtepi32_epi8(qlo));
            _mm_storeu_si128((__m128i *)(q + 32 * b + 16), _mm512_cvtepi32_epi8(qhi));
            const int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(qlo, qhi));
            meta[4 * b] = round_to_half(d);
            meta[4 * b + 1] = round_to_half((float)sum * d);
            const int32_t bias = -128 * sum;
            memcpy(meta + 4 * b + 2, &bias, 4);
            meta[4 * b + 3] = 0;
        }
    }
}

static inline __m512i broadcast32(const int8_t *p) {
    int32_t value;
    memcpy(&value, p, 4);
    return _mm512_set1_epi32(value);
}

// 16 rows × nt tokens of Q4_1 weights; the accumulators stay in registers over all blocks.
static inline __attribute__((always_inline)) void tile_q4(const uint8_t *w, int blocks, const uint8_t *a,
                                                          size_t token_bytes, int nt, float *out, size_t out_stride) {
    // As llama.cpp's Q4_1 dot does, the minimums' term is summed apart and added at the end.
    __m512 acc[TOKEN_TILE], offsets[TOKEN_TILE];
    for (int t = 0; t < nt; t++) acc[t] = offsets[t] = _mm512_setzero_ps();
    const __m512i low_nibbles = _mm512_set1_epi8(0x0F);
    for (int b = 0; b < blocks; b++) {
        const uint8_t *block = w + (size_t)b * Q4_GROUP_BLOCK_BYTES;
        _mm_prefetch((const char *)(block + PREFETCH_BYTES), _MM_HINT_T0);
        _mm_prefetch((const char *)(block + PREFETCH_BYTES + 64), _MM_HINT_T0);
        _mm_prefetch((const char *)(block + PREFETCH_BYTES + 128), _MM_HINT_T0);
        _mm_prefetch((const char *)(block + PREFETCH_BYTES + 192), _MM_HINT_T0);
        _mm_prefetch((const char *)(block + PREFETCH_BYTES + 256), _MM_HINT_T0);
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)block));
        const __m512 m = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(block + 32)));
        __m512i low[4], high[4];
        for (int c = 0; c < 4; c++) {
            const __m512i packed = _mm512_loadu_si512((const void *)(block + 64 + 64 * c));
            low[c] = _mm512_and_si512(packed, low_nibbles);
            high[c] = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low_nibbles);
        }
        for (int t = 0; t < nt; t++) {
            const int8_t *q = (const int8_t *)(a + t * token_bytes) + 32 * b;
            const float *meta = (const float *)(a + t * token_bytes + (size_t)blocks * 32) + 4 * b;
            __m512i sum = _mm512_dpbusd_epi32(_mm512_setzero_si512(), low[0], broadcast32(q));
            sum = _mm512_dpbusd_epi32(sum, low[1], broadcast32(q + 4));
            sum = _mm512_dpbusd_epi32(sum, low[2], broadcast32(q + 8));
            sum = _mm512_dpbusd_epi32(sum, low[3], broadcast32(q + 12));
            sum = _mm512_dpbusd_epi32(sum, high[0], broadcast32(q + 16));
            sum = _mm512_dpbusd_epi32(sum, high[1], broadcast32(q + 20));
            sum = _mm512_dpbusd_epi32(sum, high[2], broadcast32(q + 24));
            sum = _mm512_dpbusd_epi32(sum, high[3], broadcast32(q + 28));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(d, _mm512_set1_ps(meta[0])), acc[t]);
            offsets[t] = _mm512_fmadd_ps(m, _mm512_set1_ps(meta[1]), offsets[t]);
        }
    }
    for (int t = 0; t < nt; t++) _mm512_storeu_ps(out + t * out_stride, _mm512_add_ps(acc[t], offsets[t]));
}

static inline __attribute__((always_inline)) void tile_q8(const uint8_t *w, int blocks, const uint8_t *a,
                                                          size_t token_bytes, int nt, float *out, size_t out_stride) {
    __m512 acc[TOKEN_TILE];
    for (int t = 0; t < nt; t++) acc[t] = _mm512_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        const uint8_t *block = w + (size_t)b * Q8_GROUP_BLOCK_BYTES;
        for (int line = 0; line < 9; line++)
            _mm_prefetch((const char *)(block + 2 * PREFETCH_BYTES + 64 * line), _MM_HINT_T0);
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)block));
        __m512i quants[8];
        for (int c = 0; c < 8; c++) quants[c] = _mm512_loadu_si512((const void *)(block + 32 + 64 * c));
        for (int t = 0; t < nt; t++) {
            const int8_t *q = (const int8_t *)(a + t * token_bytes) + 32 * b;
            const float *meta = (const float *)(a + t * token_bytes + (size_t)blocks * 32) + 4 * b;
            int32_t bias;
            memcpy(&bias, meta + 2, 4);
            __m512i sum = _mm512_dpbusd_epi32(_mm512_set1_epi32(bias), quants[0], broadcast32(q));
            for (int c = 1; c < 8; c++) sum = _mm512_dpbusd_epi32(sum, quants[c], broadcast32(q + 4 * c));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(d, _mm512_set1_ps(meta[0])), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) _mm512_storeu_ps(out + t * out_stride, acc[t]);
}

// Constant token counts, so the accumulators are registers; a ragged tail takes 4, 2, 1.
#define TILE_VARIANTS(name, body)                                                                          \
    static void name##_8(const uint8_t *w, int blocks, const uint8_t *a, size_t tb, float *o, size_t os) { \
        body(w, blocks, a, tb, 8, o, os);                                                                  \
    }                                                                                                      \
    static void name##_4(const uint8_t *w, int blocks, const uint8_t *a, size_t tb, float *o, size_t os) { \
        body(w, blocks, a, tb, 4, o, os);                                                                  \
    }                                                                                                      \
    static void name##_2(const uint8_t *w, int blocks, const uint8_t *a, size_t tb, float *o, size_t os) { \
        body(w, blocks, a, tb, 2, o, os);                                                                  \
    }                                                                                                      \
    static void name##_1(const uint8_t *w, int blocks, const uint8_t *a, size_t tb, float *o, size_t os) { \
        body(w, blocks, a, tb, 1, o, os);                                                                  \
    }

TILE_VARIANTS(tile_q4, tile_q4)
TILE_VARIANTS(tile_q8, tile_q8)

typedef void (*tile_fn)(const uint8_t *, int, const uint8_t *, size_t, float *, size_t);

void atrium_interleaved_gemm(int format, const uint8_t *weights, int groups, int blocks,
                             const uint8_t *activations, int tokens, float *out, size_t out_stride) {
    const int q4 = format == ATRIUM_INTERLEAVED_Q4_1;
    const tile_fn tiles[4] = {q4 ? tile_q4_8 : tile_q8_8, q4 ? tile_q4_4 : tile_q8_4,
                              q4 ? tile_q4_2 : tile_q8_2, q4 ? tile_q4_1 : tile_q8_1};
    const size_t group_bytes = atrium_interleaved_group_bytes(format, blocks);
    const size_t token_bytes = atrium_interleaved_activation_bytes(blocks);
    // Tokens in chunks whose activations stay in L1/L2 while the groups stream past.
    for (int t0 = 0; t0 < tokens; t0 += TOKEN_CHUNK) {
        const int t_end = t0 + TOKEN_CHUNK < tokens ? t0 + TOKEN_CHUNK : tokens;
        for (int g = 0; g < groups; g++) {
            const uint8_t *w = weights + g * group_bytes;
            int t = t0;
            while (t < t_end) {
                const int left = t_end - t;
                const int variant = left >= 8 ? 0 : left >= 4 ? 1 : left >= 2 ? 2 : 3;
                const int nt = 8 >> variant;
                tiles[variant](w, blocks, activations + t * token_bytes, token_bytes, out + t * out_stride + g * GROUP_ROWS,
                               out_stride);
                t += nt;
            }
        }
    }
}

#else  // Without AVX-512 VNNI the interleaved path is never chosen (atrium_interleaved_available).

void atrium_interleaved_quantize(const float *input, size_t input_stride, int tokens, int blocks, uint8_t *out) {
    (void)input; (void)input_stride; (void)tokens; (void)blocks; (void)out;
}

void atrium_interleaved_gemm(int format, const uint8_t *weights, int groups, int blocks,
                             const uint8_t *activations, int tokens, float *out, size_t out_stride) {
    (void)format; (void)weights; (void)groups; (void)blocks; (void)activations; (void)tokens; (void)out; (void)out_stride;
}

#endif
