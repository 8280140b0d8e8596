// The x86 kernels, compiled once per ISA level: a file defines LEVEL_AVX512 (AVX-512 VNNI),
// LEVEL_VNNI (AVX2 + AVX-VNNI) or neither (AVX2), applies that level's target attribute to every
// function, and includes this file (isa_avx2.c, isa_avx2_vnni.c, isa_avx512_vnni.c). So one
// binary carries every level, and dispatch.c runs the one the CPU has.
//
// Row-major kernels: tiles of 4 rows × 4 tokens, one dot product per register (kernels.c had
// them; the scalar reference is scalar.c). Attention: one head, or a GQA group of heads at
// head_dim 64. Interleaved kernels: interleaved.c describes the layout; AVX-512 computes a
// 16-row group per instruction, AVX2 and AVX-VNNI each half of it, with the same integer sums
// and float operations per lane, so their results are the AVX-512 kernels' to the bit.

static inline float half_to_float(const uint8_t *p) {
    uint16_t bits;
    memcpy(&bits, p, 2);
    return _cvtsh_ss(bits);
}

// MARK: Row-major

// Sum of unsigned×signed byte products in groups of four, as 8 int32 lanes.
static inline __m256i dot_u8_s8(__m256i u, __m256i s) {
#if defined(LEVEL_AVX512)
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#elif defined(LEVEL_VNNI)
    return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

static inline float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// The 32 weights of a Q4_1 block as unsigned bytes: low nibbles (elements 0–15), then high.
static inline __m256i unpack_q4(const uint8_t *qs) {
    const __m128i packed = _mm_loadu_si128((const __m128i *)qs);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// Weights stream from memory once per token; asking for them a few blocks ahead keeps the
// loads from stalling on DRAM (measured on SmolLM2 decode: 59 → 87 tokens/s on one thread;
// 256, 1024 and 2048 bytes ahead tried, 1024 best).
#define ROW_PREFETCH_BYTES 1024

#define TILE_ROWS 4
#define TILE_TOKENS 4

// One tile of up to 4 rows × 4 tokens. Accumulators stay in registers across all blocks.
static inline __attribute__((always_inline)) void rows_tile_q4_1_impl(const uint8_t *w, size_t row_bytes, int nr, const uint8_t *a, size_t act_bytes,
                      int nt, int blocks, float *out, size_t out_stride) {
    __m256 acc[TILE_ROWS][TILE_TOKENS];
    float offsets[TILE_ROWS][TILE_TOKENS];
    for (int r = 0; r < TILE_ROWS; r++)
        for (int t = 0; t < TILE_TOKENS; t++) { acc[r][t] = _mm256_setzero_ps(); offsets[r][t] = 0; }

    for (int b = 0; b < blocks; b++) {
        __m256i qa[TILE_TOKENS];
        float da[TILE_TOKENS], sa[TILE_TOKENS];
        for (int t = 0; t < nt; t++) {
            const uint8_t *block = a + t * act_bytes + b * 36;
            da[t] = half_to_float(block);
            sa[t] = half_to_float(block + 2);
            qa[t] = _mm256_loadu_si256((const __m256i *)(block + 4));
        }
        for (int r = 0; r < nr; r++) {
            const uint8_t *block = w + r * row_bytes + b * 20;
            _mm_prefetch((const char *)(block + ROW_PREFETCH_BYTES), _MM_HINT_T0);
            const float dw = half_to_float(block), mw = half_to_float(block + 2);
            const __m256i qw = unpack_q4(block + 4);
            for (int t = 0; t < nt; t++) {
                const __m256 products = _mm256_cvtepi32_ps(dot_u8_s8(qw, qa[t]));
                acc[r][t] = _mm256_fmadd_ps(products, _mm256_set1_ps(dw * da[t]), acc[r][t]);
                offsets[r][t] += mw * sa[t];
            }
        }
    }
    for (int r = 0; r < nr; r++)
        for (int t = 0; t < nt; t++)
            out[t * out_stride + r] = horizontal_sum(acc[r][t]) + offsets[r][t];
}

static inline __attribute__((always_inline)) void rows_tile_q8_0_impl(const uint8_t *w, size_t row_bytes, int nr, const uint8_t *a, size_t act_bytes,
                      int nt, int blocks, float *out, size_t out_stride) {
    __m256 acc[TILE_ROWS][TILE_TOKENS];
    for (int r = 0; r < TILE_ROWS; r++)
        for (int t = 0; t < TILE_TOKENS; t++) acc[r][t] = _mm256_setzero_ps();

    for (int b = 0; b < blocks; b++) {
        __m256i qa[TILE_TOKENS];
        float da[TILE_TOKENS];
        for (int t = 0; t < nt; t++) {
            const uint8_t *block = a + t * act_bytes + b * 34;
            da[t] = half_to_float(block);
            qa[t] = _mm256_loadu_si256((const __m256i *)(block + 2));
        }
        for (int r = 0; r < nr; r++) {
            const uint8_t *block = w + r * row_bytes + b * 34;
            _mm_prefetch((const char *)(block + ROW_PREFETCH_BYTES), _MM_HINT_T0);
            const float dw = half_to_float(block);
            const __m256i qw = _mm256_loadu_si256((const __m256i *)(block + 2));
            // Signed × signed via |w| × (a · sign w), as llama.cpp does.
            const __m256i magnitude = _mm256_sign_epi8(qw, qw);
            for (int t = 0; t < nt; t++) {
                const __m256i signed_a = _mm256_sign_epi8(qa[t], qw);
                const __m256 products = _mm256_cvtepi32_ps(dot_u8_s8(magnitude, signed_a));
                acc[r][t] = _mm256_fmadd_ps(products, _mm256_set1_ps(dw * da[t]), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < nr; r++)
        for (int t = 0; t < nt; t++)
            out[t * out_stride + r] = horizontal_sum(acc[r][t]);
}

// Full tiles and single-token rows get their own copies with constant sizes, so the
// accumulators live in registers; ragged edges take the general copy.
static void rows_tile_q4_1(const uint8_t *w, size_t row_bytes, int nr, const uint8_t *a, size_t act_bytes,
                      int nt, int blocks, float *out, size_t out_stride) {
    if (nr == 4 && nt == 4) rows_tile_q4_1_impl(w, row_bytes, 4, a, act_bytes, 4, blocks, out, out_stride);
    else if (nr == 4 && nt == 1) rows_tile_q4_1_impl(w, row_bytes, 4, a, act_bytes, 1, blocks, out, out_stride);
    else rows_tile_q4_1_impl(w, row_bytes, nr, a, act_bytes, nt, blocks, out, out_stride);
}

static void rows_tile_q8_0(const uint8_t *w, size_t row_bytes, int nr, const uint8_t *a, size_t act_bytes,
                      int nt, int blocks, float *out, size_t out_stride) {
    if (nr == 4 && nt == 4) rows_tile_q8_0_impl(w, row_bytes, 4, a, act_bytes, 4, blocks, out, out_stride);
    else if (nr == 4 && nt == 1) rows_tile_q8_0_impl(w, row_bytes, 4, a, act_bytes, 1, blocks, out, out_stride);
    else rows_tile_q8_0_impl(w, row_bytes, nr, a, act_bytes, nt, blocks, out, out_stride);
}

typedef void (*rows_tile_fn)(const uint8_t *, size_t, int, const uint8_t *, size_t, int, int, float *, size_t);

// Walks the output in tiles; tokens in chunks that stay in L1/L2 while rows stream past.
static void gemm_tiles(rows_tile_fn tile, const uint8_t *weights, size_t row_bytes, int rows,
                       const uint8_t *activations, size_t act_bytes, int tokens, int blocks,
                       float *out, size_t out_stride) {
    const int token_chunk = 64;
    for (int t0 = 0; t0 < tokens; t0 += token_chunk) {
        const int t_end = t0 + token_chunk < tokens ? t0 + token_chunk : tokens;
        for (int r = 0; r < rows; r += TILE_ROWS) {
            const int nr = rows - r < TILE_ROWS ? rows - r : TILE_ROWS;
            for (int t = t0; t < t_end; t += TILE_TOKENS) {
                const int nt = t_end - t < TILE_TOKENS ? t_end - t : TILE_TOKENS;
                tile(weights + r * row_bytes, row_bytes, nr, activations + t * act_bytes, act_bytes, nt, blocks,
                     out + t * out_stride + r, out_stride);
            }
        }
    }
}

static void gemm_q4_1_q8_1(const uint8_t *weights, size_t row_bytes, int rows, const uint8_t *activations,
                           size_t act_bytes, int tokens, int blocks, float *out, size_t out_stride) {
    gemm_tiles(rows_tile_q4_1, weights, row_bytes, rows, activations, act_bytes, tokens, blocks, out, out_stride);
}

static void gemm_q8_0_q8_0(const uint8_t *weights, size_t row_bytes, int rows, const uint8_t *activations,
                           size_t act_bytes, int tokens, int blocks, float *out, size_t out_stride) {
    gemm_tiles(rows_tile_q8_0, weights, row_bytes, rows, activations, act_bytes, tokens, blocks, out, out_stride);
}


// MARK: Attention

static inline float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline __m256 load_half8(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

static inline __m256 round_to_half8(__m256 v) {
    return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

#ifdef LEVEL_AVX512
// e^x on 16 lanes: x = n·ln2 + r, e^r by Cephes' expf polynomial, scaled by 2^n (within 2 ulp
// of expf; below −87.3 it gives e^−87.3 ≈ 1e−38 rather than 0, nothing a softmax can see).
static inline __m512 exp16(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    const __m512 y = _mm512_fmadd_ps(_mm512_mul_ps(r, r), p, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(y, n);
}
#else
// e^x on 8 lanes, exactly as exp16 computes it: 2^n is built in the exponent bits (n is in
// [−126, 127] after the clamp, so it is a normal float and the product rounds as scalef's).
static inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.0f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-0.693359375f), x);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    const __m256 y = _mm256_fmadd_ps(_mm256_mul_ps(r, r), p, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i power = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(power));
}
#endif

// scores[j] = e^(scores[j] − maximum) for every j; returns their sum. Sixteen at a time where
// the CPU can: one libm expf per cached position was most of attention's time in batches.
static inline float exponentiate(float *scores, int count, float maximum) {
#ifdef LEVEL_AVX512
    __m512 totals = _mm512_setzero_ps();
    const __m512 shift = _mm512_set1_ps(maximum);
    for (int j = 0; j < count; j += 16) {
        const __mmask16 lanes = count - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - j)) - 1);
        const __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, scores + j), shift));
        _mm512_mask_storeu_ps(scores + j, lanes, e);
        totals = _mm512_mask_add_ps(totals, lanes, totals, e);
    }
    return _mm512_reduce_add_ps(totals);
#else
    __m256 totals = _mm256_setzero_ps();
    const __m256 shift = _mm256_set1_ps(maximum);
    int j = 0;
    for (; j + 8 <= count; j += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(scores + j), shift));
        _mm256_storeu_ps(scores + j, e);
        totals = _mm256_add_ps(totals, e);
    }
    if (j < count) {
        const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(count - j), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        const __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(_mm256_maskload_ps(scores + j, lanes), shift)),
                                       _mm256_castsi256_ps(lanes));
        _mm256_maskstore_ps(scores + j, lanes, e);
        totals = _mm256_add_ps(totals, e);
    }
    return sum8(totals);
#endif
}

static void attend_head(const float *query, const uint16_t *keys, const uint16_t *values, size_t kv_stride,
                        int count, int head_dim, float scale, float *scores, float *out) {
    // head_dim is a multiple of 8 for every supported model (64, 128, 256); checked by the caller.
    enum { MAX_DIM = 512 };
    float q[MAX_DIM];
    for (int i = 0; i < head_dim; i += 8) _mm256_storeu_ps(q + i, round_to_half8(_mm256_loadu_ps(query + i)));

    float maximum = -INFINITY;
    for (int j = 0; j < count; j++) {
        const uint16_t *k = keys + (size_t)j * kv_stride;
        __m256 acc = _mm256_setzero_ps();
        for (int i = 0; i < head_dim; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_half8(k + i), acc);
        const float score = sum8(acc) * scale;
        scores[j] = score;
        if (score > maximum) maximum = score;
    }
    const float inverse = 1.0f / exponentiate(scores, count, maximum);

    for (int i = 0; i < head_dim; i += 8) _mm256_storeu_ps(out + i, _mm256_setzero_ps());
    for (int j = 0; j < count; j++) {
        const float p = _cvtsh_ss(_cvtss_sh(scores[j] * inverse, _MM_FROUND_TO_NEAREST_INT));
        const __m256 weight = _mm256_set1_ps(p);
        const uint16_t *v = values + (size_t)j * kv_stride;
        for (int i = 0; i < head_dim; i += 8)
            _mm256_storeu_ps(out + i, _mm256_fmadd_ps(weight, load_half8(v + i), _mm256_loadu_ps(out + i)));
    }
}

// sum8 of four vectors at once: lane k of the result is sum8(v[k]), added in sum8's own order
// (halves, then pairs, then the last two), for k < 4.
static inline __m128 sum8x4(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    const __m256 t01 = _mm256_add_ps(_mm256_permute2f128_ps(v0, v1, 0x20), _mm256_permute2f128_ps(v0, v1, 0x31));
    const __m256 t23 = _mm256_add_ps(_mm256_permute2f128_ps(v2, v3, 0x20), _mm256_permute2f128_ps(v2, v3, 0x31));
    // t01 = [t0 of v0 (4 lanes) | t0 of v1], t_i = l_i + l_{i+4}; next u0 = t0 + t2, u1 = t1 + t3.
    const __m256 u = _mm256_add_ps(_mm256_shuffle_ps(t01, t23, _MM_SHUFFLE(1, 0, 1, 0)),
                                   _mm256_shuffle_ps(t01, t23, _MM_SHUFFLE(3, 2, 3, 2)));
    // u = [u0 u1 of v0, u0 u1 of v2 | u0 u1 of v1, u0 u1 of v3]; then u0 + u1.
    const __m256 r = _mm256_add_ps(_mm256_shuffle_ps(u, u, _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm256_shuffle_ps(u, u, _MM_SHUFFLE(3, 1, 3, 1)));
    // r = [v0 v2 v0 v2 | v1 v3 v1 v3]
    return _mm_unpacklo_ps(_mm256_castps256_ps128(r), _mm256_extractf128_ps(r, 1));
}

// The heads of one GQA group (up to 4) over the same cached positions, head_dim 64: each key
// and value row is loaded and converted once for the whole group. Every head's arithmetic is
// exactly atrium_attend_head's, in the same order, so results are the same; but four positions'
// dot products are reduced together (sum8x4) and the value rows are taken 16 dimensions at a
// time, so that the accumulators fit AVX2's 16 registers.
static inline __attribute__((always_inline)) void attend_group64_impl(
    const float *queries, int heads, const uint16_t *keys, const uint16_t *values, size_t kv_stride, int count,
    float scale, float *scores, size_t scores_stride, float *out) {
    enum { DIM = 64, CHUNKS = DIM / 8, MAX_HEADS = 4 };
    float q[MAX_HEADS][DIM];
    for (int h = 0; h < heads; h++)
        for (int c = 0; c < CHUNKS; c++)
            _mm256_storeu_ps(q[h] + 8 * c, round_to_half8(_mm256_loadu_ps(queries + h * DIM + 8 * c)));

    float maximum[MAX_HEADS] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    __m128 maxima[MAX_HEADS];
    for (int h = 0; h < heads; h++) maxima[h] = _mm_set1_ps(-INFINITY);
    const __m128 scale4 = _mm_set1_ps(scale);
    int j = 0;
    for (; j + 4 <= count; j += 4) {
        __m256 acc[MAX_HEADS][4];
        for (int h = 0; h < heads; h++)
            for (int p = 0; p < 4; p++) acc[h][p] = _mm256_setzero_ps();
        for (int c = 0; c < CHUNKS; c++)
            for (int p = 0; p < 4; p++) {
                const __m256 key = load_half8(keys + (size_t)(j + p) * kv_stride + 8 * c);
                for (int h = 0; h < heads; h++)
                    acc[h][p] = _mm256_fmadd_ps(_mm256_loadu_ps(q[h] + 8 * c), key, acc[h][p]);
            }
        for (int h = 0; h < heads; h++) {
            const __m128 score = _mm_mul_ps(sum8x4(acc[h][0], acc[h][1], acc[h][2], acc[h][3]), scale4);
            _mm_storeu_ps(scores + h * scores_stride + j, score);
            maxima[h] = _mm_max_ps(maxima[h], score);
        }
    }
    for (int h = 0; h < heads; h++) {
        float lanes[4];
        _mm_storeu_ps(lanes, maxima[h]);
        for (int k = 0; k < 4; k++)
            if (lanes[k] > maximum[h]) maximum[h] = lanes[k];
    }
    for (; j < count; j++) {
        const uint16_t *k = keys + (size_t)j * kv_stride;
        __m256 key[CHUNKS];
        for (int c = 0; c < CHUNKS; c++) key[c] = load_half8(k + 8 * c);
        for (int h = 0; h < heads; h++) {
            __m256 acc = _mm256_setzero_ps();
            for (int c = 0; c < CHUNKS; c++) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q[h] + 8 * c), key[c], acc);
            const float score = sum8(acc) * scale;
            scores[h * scores_stride + j] = score;
            if (score > maximum[h]) maximum[h] = score;
        }
    }

    // Probabilities, rounded to float16 as attend_head rounds them, in place.
    for (int h = 0; h < heads; h++) {
        float *row = scores + h * scores_stride;
        const float inverse = 1.0f / exponentiate(row, count, maximum[h]);
        const __m256 inverse8 = _mm256_set1_ps(inverse);
        int i = 0;
        for (; i + 8 <= count; i += 8)
            _mm256_storeu_ps(row + i, round_to_half8(_mm256_mul_ps(_mm256_loadu_ps(row + i), inverse8)));
        for (; i < count; i++) row[i] = _cvtsh_ss(_cvtss_sh(row[i] * inverse, _MM_FROUND_TO_NEAREST_INT));
    }

    for (int c = 0; c < CHUNKS; c += 2) {
        __m256 acc[MAX_HEADS][2];
        for (int h = 0; h < heads; h++) acc[h][0] = acc[h][1] = _mm256_setzero_ps();
        for (int i = 0; i < count; i++) {
            const uint16_t *v = values + (size_t)i * kv_stride + 8 * c;
            const __m256 v0 = load_half8(v), v1 = load_half8(v + 8);
            for (int h = 0; h < heads; h++) {
                const __m256 weight = _mm256_broadcast_ss(scores + h * scores_stride + i);
                acc[h][0] = _mm256_fmadd_ps(weight, v0, acc[h][0]);
                acc[h][1] = _mm256_fmadd_ps(weight, v1, acc[h][1]);
            }
        }
        for (int h = 0; h < heads; h++) {
            _mm256_storeu_ps(out + h * DIM + 8 * c, acc[h][0]);
            _mm256_storeu_ps(out + h * DIM + 8 * c + 8, acc[h][1]);
        }
    }
}

// Constant head counts keep the accumulators in registers (SmolLM2's groups have 3 heads).
static void attend_group64(const float *queries, int heads, const uint16_t *keys, const uint16_t *values,
                           size_t kv_stride, int count, float scale, float *scores, size_t scores_stride,
                           float *out) {
    if (heads == 3) attend_group64_impl(queries, 3, keys, values, kv_stride, count, scale, scores, scores_stride, out);
    else attend_group64_impl(queries, heads, keys, values, kv_stride, count, scale, scores, scores_stride, out);
}


// MARK: Interleaved

#ifdef LEVEL_AVX512
#define TOKEN_TILE 8
#define TOKEN_CHUNK 64
// Weights stream from memory once per step; asking for them ahead keeps loads from stalling.
#define PREFETCH_BYTES 1280

static inline float round_to_half(float value) { return _cvtsh_ss(_cvtss_sh(value, _MM_FROUND_TO_NEAREST_INT)); }

static void interleaved_quantize(const float *input, size_t input_stride, int tokens, int blocks, int first, int count,
                                 uint8_t *out) {
    const size_t token_bytes = (size_t)blocks * (32 + META_BYTES);
    for (int t = 0; t < tokens; t++) {
        const float *x = input + t * input_stride;
        int8_t *q = (int8_t *)(out + t * token_bytes);
        float *meta = (float *)(out + t * token_bytes + (size_t)blocks * 32);
        for (int b = first; b < first + count; b++) {
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

typedef void (*interleaved_tile_fn)(const uint8_t *, int, const uint8_t *, size_t, float *, size_t);

static void interleaved_gemm(int format, const uint8_t *weights, int groups, int blocks,
                             const uint8_t *activations, int tokens, float *out, size_t out_stride) {
    const int q4 = format == ATRIUM_INTERLEAVED_Q4_1;
    const interleaved_tile_fn tiles[4] = {q4 ? tile_q4_8 : tile_q8_8, q4 ? tile_q4_4 : tile_q8_4,
                              q4 ? tile_q4_2 : tile_q8_2, q4 ? tile_q4_1 : tile_q8_1};
    const size_t group_bytes = (size_t)blocks * (q4 ? Q4_GROUP_BLOCK_BYTES : Q8_GROUP_BLOCK_BYTES);
    const size_t token_bytes = (size_t)blocks * (32 + META_BYTES);
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

#else
static inline float round_to_half(float value) { return _cvtsh_ss(_cvtss_sh(value, _MM_FROUND_TO_NEAREST_INT)); }

static inline float max8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

static inline int sum8i(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

// The same bytes and floats as the AVX-512 quantizer: the same operations, eight lanes at a time.
static void interleaved_quantize(const float *input, size_t input_stride, int tokens, int blocks, int first, int count,
                                 uint8_t *out) {
    const size_t token_bytes = (size_t)blocks * (32 + META_BYTES);
    const __m256 sign_bit = _mm256_set1_ps(-0.0f);
    for (int t = 0; t < tokens; t++) {
        const float *x = input + t * input_stride;
        int8_t *q = (int8_t *)(out + t * token_bytes);
        float *meta = (float *)(out + t * token_bytes + (size_t)blocks * 32);
        for (int b = first; b < first + count; b++) {
            __m256 v[4];
            for (int i = 0; i < 4; i++) v[i] = _mm256_loadu_ps(x + 32 * b + 8 * i);
            const __m256 magnitude = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign_bit, v[0]), _mm256_andnot_ps(sign_bit, v[1])),
                                                   _mm256_max_ps(_mm256_andnot_ps(sign_bit, v[2]), _mm256_andnot_ps(sign_bit, v[3])));
            const float amax = max8(magnitude);
            const float d = amax / 127;
            const float inverse = d == 0 ? 0 : 1 / d;
            const __m256 scale = _mm256_set1_ps(inverse);
            __m256i i[4];
            for (int k = 0; k < 4; k++) i[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], scale));
            const int sum = sum8i(_mm256_add_epi32(_mm256_add_epi32(i[0], i[1]), _mm256_add_epi32(i[2], i[3])));
            // Pack 32 int32 to bytes (|q| ≤ 127, nothing saturates); packs interleave the 128-bit
            // lanes, the permutation puts the elements back in order.
            const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i[0], i[1]), _mm256_packs_epi32(i[2], i[3]));
            _mm256_storeu_si256((__m256i *)(q + 32 * b),
                                _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
            meta[4 * b] = round_to_half(d);
            meta[4 * b + 1] = round_to_half((float)sum * d);
            const int32_t bias = -128 * sum;
            memcpy(meta + 4 * b + 2, &bias, 4);
            meta[4 * b + 3] = 0;
        }
    }
}

static inline __m256i broadcast32(const int8_t *p) {
    int32_t value;
    memcpy(&value, p, 4);
    return _mm256_set1_epi32(value);
}

#define TOKEN_TILE 4
#define TOKEN_CHUNK 64
#define PREFETCH_BYTES 1280

// A 16-row Q4_1 group × nt tokens, as two halves of 8 rows (h = 0: rows 0–7, 1: rows 8–15)
// that share each token's broadcast bytes. Every lane computes exactly what the AVX-512
// kernel's lane computes: the same integer dot product (with VNNI, or with maddubs, whose
// 16-bit sums cannot overflow for 4-bit weights: 8 · 2 · 15 · 127 < 32768), then the same float
// operations in the same order.
static inline __attribute__((always_inline)) void tile_q4(const uint8_t *w, int blocks, const uint8_t *a,
                                                          size_t token_bytes, int nt, float *out, size_t out_stride) {
    __m256 acc[2][TOKEN_TILE], offsets[2][TOKEN_TILE];
    for (int h = 0; h < 2; h++)
        for (int t = 0; t < nt; t++) acc[h][t] = offsets[h][t] = _mm256_setzero_ps();
    const __m256i low_nibbles = _mm256_set1_epi8(0x0F);
    for (int b = 0; b < blocks; b++) {
        const uint8_t *block = w + (size_t)b * Q4_GROUP_BLOCK_BYTES;
        for (int line = 0; line < 5; line++) _mm_prefetch((const char *)(block + PREFETCH_BYTES + 64 * line), _MM_HINT_T0);
        __m256i sum[2][TOKEN_TILE];
        for (int h = 0; h < 2; h++)
            for (int t = 0; t < nt; t++) sum[h][t] = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            __m256i low[2], high[2];
            for (int h = 0; h < 2; h++) {
                const __m256i packed = _mm256_loadu_si256((const __m256i *)(block + 64 + 64 * c + 32 * h));
                low[h] = _mm256_and_si256(packed, low_nibbles);
                high[h] = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_nibbles);
            }
            for (int t = 0; t < nt; t++) {
                const int8_t *q = (const int8_t *)(a + t * token_bytes) + 32 * b;
                const __m256i first = broadcast32(q + 4 * c), second = broadcast32(q + 16 + 4 * c);
                for (int h = 0; h < 2; h++) {
#ifdef LEVEL_VNNI
                    sum[h][t] = _mm256_dpbusd_avx_epi32(sum[h][t], low[h], first);
                    sum[h][t] = _mm256_dpbusd_avx_epi32(sum[h][t], high[h], second);
#else  // 16-bit pair sums here, widened once per block below
                    sum[h][t] = _mm256_add_epi16(sum[h][t], _mm256_maddubs_epi16(low[h], first));
                    sum[h][t] = _mm256_add_epi16(sum[h][t], _mm256_maddubs_epi16(high[h], second));
#endif
                }
            }
        }
        for (int h = 0; h < 2; h++) {
            const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(block + 16 * h)));
            const __m256 m = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(block + 32 + 16 * h)));
            for (int t = 0; t < nt; t++) {
                const float *meta = (const float *)(a + t * token_bytes + (size_t)blocks * 32) + 4 * b;
#ifdef LEVEL_VNNI
                const __m256i total = sum[h][t];
#else
                const __m256i total = _mm256_madd_epi16(sum[h][t], _mm256_set1_epi16(1));
#endif
                acc[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_mul_ps(d, _mm256_set1_ps(meta[0])), acc[h][t]);
                offsets[h][t] = _mm256_fmadd_ps(m, _mm256_set1_ps(meta[1]), offsets[h][t]);
            }
        }
    }
    for (int h = 0; h < 2; h++)
        for (int t = 0; t < nt; t++) _mm256_storeu_ps(out + t * out_stride + 8 * h, _mm256_add_ps(acc[h][t], offsets[h][t]));
}

// Q8_0: with VNNI as the AVX-512 kernel (weights + 128 unsigned, the token's bias corrects);
// without, the weights are made signed again and multiplied as llama.cpp does, |w| · (a · sign w),
// widened every chunk because two 16-bit sums of 8-bit weights could overflow.
static inline __attribute__((always_inline)) void tile_q8(const uint8_t *w, int blocks, const uint8_t *a,
                                                          size_t token_bytes, int nt, float *out, size_t out_stride,
                                                          const uint8_t *next) {
    __m256 acc[2][TOKEN_TILE];
    for (int h = 0; h < 2; h++)
        for (int t = 0; t < nt; t++) acc[h][t] = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        const uint8_t *block = w + (size_t)b * Q8_GROUP_BLOCK_BYTES;
        const uint8_t *ahead = next ? next + (size_t)b * Q8_GROUP_BLOCK_BYTES : block + 2 * PREFETCH_BYTES;
        for (int line = 0; line < 9; line++) _mm_prefetch((const char *)(ahead + 64 * line), _MM_HINT_T0);
        __m256i sum[2][TOKEN_TILE];
        for (int t = 0; t < nt; t++) {
#ifdef LEVEL_VNNI
            int32_t bias;
            memcpy(&bias, (const float *)(a + t * token_bytes + (size_t)blocks * 32) + 4 * b + 2, 4);
            sum[0][t] = sum[1][t] = _mm256_set1_epi32(bias);
#else
            sum[0][t] = sum[1][t] = _mm256_setzero_si256();
#endif
        }
        for (int c = 0; c < 8; c++) {
            __m256i quants[2];
#ifndef LEVEL_VNNI
            __m256i magnitude[2];
#endif
            for (int h = 0; h < 2; h++) {
                quants[h] = _mm256_loadu_si256((const __m256i *)(block + 32 + 64 * c + 32 * h));
#ifndef LEVEL_VNNI
                quants[h] = _mm256_xor_si256(quants[h], _mm256_set1_epi8((char)0x80));  // signed again
                magnitude[h] = _mm256_sign_epi8(quants[h], quants[h]);
#endif
            }
            for (int t = 0; t < nt; t++) {
                const __m256i bytes = broadcast32((const int8_t *)(a + t * token_bytes) + 32 * b + 4 * c);
                for (int h = 0; h < 2; h++) {
#ifdef LEVEL_VNNI
                    sum[h][t] = _mm256_dpbusd_avx_epi32(sum[h][t], quants[h], bytes);
#else
                    const __m256i pairs = _mm256_maddubs_epi16(magnitude[h], _mm256_sign_epi8(bytes, quants[h]));
                    sum[h][t] = _mm256_add_epi32(sum[h][t], _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
#endif
                }
            }
        }
        for (int h = 0; h < 2; h++) {
            const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(block + 16 * h)));
            for (int t = 0; t < nt; t++) {
                const float *meta = (const float *)(a + t * token_bytes + (size_t)blocks * 32) + 4 * b;
                acc[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[h][t]), _mm256_mul_ps(d, _mm256_set1_ps(meta[0])), acc[h][t]);
            }
        }
    }
    for (int h = 0; h < 2; h++)
        for (int t = 0; t < nt; t++) _mm256_storeu_ps(out + t * out_stride + 8 * h, acc[h][t]);
}

// Four tokens at once need more accumulators than AVX2's 16 registers hold when a group's two
// halves run together (the compiler spilled them to the stack every block), so whole tiles of
// four tokens take the group half by half, after a pass for the minimums' term. Every lane's
// float operations stay the AVX-512 kernel's, in the same order: the two accumulators are
// independent chains over the blocks, and acc + offsets comes last.

// out[t][h·8 …] = Σ_b m_b · s_b (block order) for 4 tokens; the halves then add their sums to it.
static inline __attribute__((always_inline)) void q4_offsets4(const uint8_t *w, int blocks, const uint8_t *a,
                                                              size_t token_bytes, float *out, size_t out_stride) {
    __m256 offsets[2][4];
    for (int h = 0; h < 2; h++)
        for (int t = 0; t < 4; t++) offsets[h][t] = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        const uint8_t *block = w + (size_t)b * Q4_GROUP_BLOCK_BYTES;
        for (int h = 0; h < 2; h++) {
            const __m256 m = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(block + 32 + 16 * h)));
            for (int t = 0; t < 4; t++) {
                const float *meta = (const float *)(a + t * token_bytes + (size_t)blocks * 32) + 4 * b;
                offsets[h][t] = _mm256_fmadd_ps(m, _mm256_set1_ps(meta[1]), offsets[h][t]);
            }
        }
    }
    for (int h = 0; h < 2; h++)
        for (int t = 0; t < 4; t++) _mm256_storeu_ps(out + t * out_stride + 8 * h, offsets[h][t]);
}

// Half `h` (8 rows) of a Q4_1 group × 4 tokens, added to `out`. `next`, when not NULL, is
// fetched into the cache meanwhile (the next group: a block of it per block of this one).
static inline __attribute__((always_inline)) void q4_half4(const uint8_t *w, const uint8_t *next, int h, int blocks,
                                                           const uint8_t *a, size_t token_bytes, float *out,
                                                           size_t out_stride) {
    const __m256i low_nibbles = _mm256_set1_epi8(0x0F);
    __m256 acc[4];
    for (int t = 0; t < 4; t++) acc[t] = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        const uint8_t *block = w + (size_t)b * Q4_GROUP_BLOCK_BYTES;
        if (next)
            for (int line = 0; line < 5; line++)
                _mm_prefetch((const char *)(next + (size_t)b * Q4_GROUP_BLOCK_BYTES + 64 * line), _MM_HINT_T0);
        __m256i sum[4];
        for (int t = 0; t < 4; t++) sum[t] = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            const __m256i packed = _mm256_loadu_si256((const __m256i *)(block + 64 + 64 * c + 32 * h));
            const __m256i low = _mm256_and_si256(packed, low_nibbles);
            const __m256i high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_nibbles);
            for (int t = 0; t < 4; t++) {
                const int8_t *q = (const int8_t *)(a + t * token_bytes) + 32 * b;
#ifdef LEVEL_VNNI
                sum[t] = _mm256_dpbusd_avx_epi32(sum[t], low, broadcast32(q + 4 * c));
                sum[t] = _mm256_dpbusd_avx_epi32(sum[t], high, broadcast32(q + 16 + 4 * c));
#else  // 16-bit pair sums, widened once per block below
                const __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(low, broadcast32(q + 4 * c)),
                                                       _mm256_maddubs_epi16(high, broadcast32(q + 16 + 4 * c)));
                sum[t] = _mm256_add_epi16(sum[t], pairs);
#endif
            }
        }
        const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(block + 16 * h)));
        for (int t = 0; t < 4; t++) {
            const float *meta = (const float *)(a + t * token_bytes + (size_t)blocks * 32) + 4 * b;
#ifdef LEVEL_VNNI
            const __m256i total = sum[t];
#else
            const __m256i total = _mm256_madd_epi16(sum[t], _mm256_set1_epi16(1));
#endif
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_mul_ps(d, _mm256_set1_ps(meta[0])), acc[t]);
        }
    }
    for (int t = 0; t < 4; t++) {
        float *o = out + t * out_stride + 8 * h;
        _mm256_storeu_ps(o, _mm256_add_ps(acc[t], _mm256_loadu_ps(o)));
    }
}

// One Q4_1 group × `tiles` whole tiles of 4 tokens: half 0 of every tile while that half's
// bytes are hot, then half 1; the first pass also fetches the next group.
static void group_q4_tiles(const uint8_t *w, const uint8_t *next, int blocks, const uint8_t *a, size_t token_bytes,
                           int tiles, float *out, size_t out_stride) {
    for (int i = 0; i < tiles; i++)
        q4_offsets4(w, blocks, a + 4 * i * token_bytes, token_bytes, out + 4 * i * out_stride, out_stride);
    for (int h = 0; h < 2; h++)
        for (int i = 0; i < tiles; i++)
            q4_half4(w, h == 0 && i == 0 ? next : NULL, h, blocks, a + 4 * i * token_bytes, token_bytes,
                     out + 4 * i * out_stride, out_stride);
}

// Constant token counts, so the accumulators are registers; a ragged tail takes 2, 1.
#define TILE_VARIANTS(name, body)                                                                          \
    static void name##_4(const uint8_t *w, int blocks, const uint8_t *a, size_t tb, float *o, size_t os) { \
        body(w, blocks, a, tb, 4, o, os);                                                                  \
    }                                                                                                      \
    static void name##_2(const uint8_t *w, int blocks, const uint8_t *a, size_t tb, float *o, size_t os) { \
        body(w, blocks, a, tb, 2, o, os);                                                                  \
    }                                                                                                      \
    static void name##_1(const uint8_t *w, int blocks, const uint8_t *a, size_t tb, float *o, size_t os) { \
        body(w, blocks, a, tb, 1, o, os);                                                                  \
    }

static inline __attribute__((always_inline)) void tile_q8_here(const uint8_t *w, int blocks, const uint8_t *a,
                                                               size_t token_bytes, int nt, float *out, size_t out_stride) {
    tile_q8(w, blocks, a, token_bytes, nt, out, out_stride, NULL);
}

TILE_VARIANTS(tile_q4, tile_q4)
TILE_VARIANTS(tile_q8, tile_q8_here)

// One Q8_0 group × `tiles` whole tiles of 4 tokens; the first also fetches the next group.
static void group_q8_tiles(const uint8_t *w, const uint8_t *next, int blocks, const uint8_t *a, size_t token_bytes,
                           int tiles, float *out, size_t out_stride) {
    for (int i = 0; i < tiles; i++)
        tile_q8(w, blocks, a + 4 * i * token_bytes, token_bytes, 4, out + 4 * i * out_stride, out_stride,
                i == 0 ? next : NULL);
}

typedef void (*interleaved_tile_fn)(const uint8_t *, int, const uint8_t *, size_t, float *, size_t);

static void interleaved_gemm(int format, const uint8_t *weights, int groups, int blocks,
                             const uint8_t *activations, int tokens, float *out, size_t out_stride) {
    const int q4 = format == ATRIUM_INTERLEAVED_Q4_1;
    const interleaved_tile_fn tiles[3] = {q4 ? tile_q4_4 : tile_q8_4, q4 ? tile_q4_2 : tile_q8_2,
                                          q4 ? tile_q4_1 : tile_q8_1};
    const size_t group_bytes = (size_t)blocks * (q4 ? Q4_GROUP_BLOCK_BYTES : Q8_GROUP_BLOCK_BYTES);
    const size_t token_bytes = (size_t)blocks * (32 + META_BYTES);
    for (int t0 = 0; t0 < tokens; t0 += TOKEN_CHUNK) {
        const int t_end = t0 + TOKEN_CHUNK < tokens ? t0 + TOKEN_CHUNK : tokens;
        for (int g = 0; g < groups; g++) {
            const uint8_t *w = weights + g * group_bytes;
            int t = t0;
            if (t_end - t >= 4) {
                const int whole = (t_end - t) / 4;
                (q4 ? group_q4_tiles : group_q8_tiles)(w, g + 1 < groups ? w + group_bytes : NULL, blocks,
                                                       activations + t * token_bytes, token_bytes, whole,
                                                       out + t * out_stride + g * GROUP_ROWS, out_stride);
                t += 4 * whole;
            }
            while (t < t_end) {
                const int left = t_end - t;
                const int variant = left >= 4 ? 0 : left >= 2 ? 1 : 2;
                tiles[variant](w, blocks, activations + t * token_bytes, token_bytes,
                               out + t * out_stride + g * GROUP_ROWS, out_stride);
                t += 4 >> variant;
            }
        }
    }
}
#endif

// MARK: Sentence-encoder attention (bert_attention.h), sixteen lanes as one zmm or two ymm

#if defined(LEVEL_AVX512)
typedef __m512 v16;
static inline v16 v16_zero(void) { return _mm512_setzero_ps(); }
static inline v16 v16_set1(float x) { return _mm512_set1_ps(x); }
static inline v16 v16_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void v16_store(float *p, v16 v) { _mm512_storeu_ps(p, v); }
static inline v16 v16_fma(v16 a, v16 b, v16 c) { return _mm512_fmadd_ps(a, b, c); }
static inline v16 v16_mul(v16 a, v16 b) { return _mm512_mul_ps(a, b); }
static inline v16 v16_add(v16 a, v16 b) { return _mm512_add_ps(a, b); }
static inline v16 v16_sub(v16 a, v16 b) { return _mm512_sub_ps(a, b); }
static inline v16 v16_max(v16 a, v16 b) { return _mm512_max_ps(a, b); }
static inline v16 v16_exp(v16 x) { return exp16(x); }
static inline v16 v16_first(v16 v, int count, float filler) {
    return _mm512_mask_blend_ps((__mmask16)((1u << count) - 1), _mm512_set1_ps(filler), v);
}
static inline void v16_spill(v16 v, float *lanes) { _mm512_storeu_ps(lanes, v); }
#else
typedef struct {
    __m256 low, high;
} v16;
static inline v16 v16_make(__m256 low, __m256 high) { return (v16){low, high}; }
static inline v16 v16_zero(void) { return v16_make(_mm256_setzero_ps(), _mm256_setzero_ps()); }
static inline v16 v16_set1(float x) { return v16_make(_mm256_set1_ps(x), _mm256_set1_ps(x)); }
static inline v16 v16_load(const float *p) { return v16_make(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)); }
static inline void v16_store(float *p, v16 v) {
    _mm256_storeu_ps(p, v.low);
    _mm256_storeu_ps(p + 8, v.high);
}
static inline v16 v16_fma(v16 a, v16 b, v16 c) {
    return v16_make(_mm256_fmadd_ps(a.low, b.low, c.low), _mm256_fmadd_ps(a.high, b.high, c.high));
}
static inline v16 v16_mul(v16 a, v16 b) { return v16_make(_mm256_mul_ps(a.low, b.low), _mm256_mul_ps(a.high, b.high)); }
static inline v16 v16_add(v16 a, v16 b) { return v16_make(_mm256_add_ps(a.low, b.low), _mm256_add_ps(a.high, b.high)); }
static inline v16 v16_sub(v16 a, v16 b) { return v16_make(_mm256_sub_ps(a.low, b.low), _mm256_sub_ps(a.high, b.high)); }
static inline v16 v16_max(v16 a, v16 b) { return v16_make(_mm256_max_ps(a.low, b.low), _mm256_max_ps(a.high, b.high)); }
static inline v16 v16_exp(v16 x) { return v16_make(exp8(x.low), exp8(x.high)); }
static inline v16 v16_first(v16 v, int count, float filler) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 low = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count), lanes));
    const __m256 high = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count - 8), lanes));
    const __m256 fill = _mm256_set1_ps(filler);
    return v16_make(_mm256_blendv_ps(fill, v.low, low), _mm256_blendv_ps(fill, v.high, high));
}
static inline void v16_spill(v16 v, float *lanes) { v16_store(lanes, v); }
#endif

// The two reductions lane by lane in lane order, the same on every level.
static inline float v16_largest(v16 v) {
    float lanes[16];
    v16_spill(v, lanes);
    float largest = lanes[0];
    for (int i = 1; i < 16; i++) largest = lanes[i] > largest ? lanes[i] : largest;
    return largest;
}
static inline float v16_sum(v16 v) {
    float lanes[16];
    v16_spill(v, lanes);
    float sum = -0.0f;
    for (int i = 0; i < 16; i++) sum += lanes[i];
    return sum;
}

#include "bert_attention.h"
