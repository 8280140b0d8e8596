// The int16 GEMM of int16_gemm.c for one x86 level: included by isa_*.c after x86_template.h,
// under that level's target attribute. AVX-512 keeps a panel's 16 rows in one register and
// takes two whole panels × 6 tokens per tile (one panel × 12 tokens for a panel left alone);
// AVX2 and AVX-VNNI take two registers of 8 rows and 6 tokens. The
// integer sums are exact and the float epilogue is the scalar one's (fma of the same rounded
// scale), so every level gives the scalar reference's bits.

// acc + the sums of pairs of 16-bit products. `vpdpwssd` is written as an asm statement: from
// the intrinsic, clang's generic tuning emits `vpmaddwd` + `vpaddd` instead (a rewrite meant to
// shorten one accumulator's dependency chain), two instructions on the same ports for one — the
// tiles' independent accumulators have no chain to shorten, and the split ran both VNNI levels
// at the plain AVX2 rate (scripts/bench-multiply-add-peak: one `vpdpwssd` issues as fast as
// one `vpmaddwd`).
#if defined(LEVEL_AVX512)
#define I16_TILE_TOKENS 12
static inline __m512i i16_dot512(__m512i acc, __m512i a, __m512i w) {
    __asm__("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(w));
    return acc;
}
#else
#define I16_TILE_TOKENS 6
static inline __m256i i16_dot(__m256i acc, __m256i a, __m256i w) {
#if defined(LEVEL_VNNI)
    __asm__("%{vex%} vpdpwssd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(w));
    return acc;
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, w));
#endif
}
#endif

static inline int32_t i16_pair(const int16_t *p) {
    int32_t value;
    memcpy(&value, p, 4);
    return value;
}

// One tile: `nt` tokens × the 16 rows of the panel at `w`, written to `out` (`live` rows).
static inline __attribute__((always_inline)) void i16_tile(const int16_t *w, const float *scales, const float *bias,
                                                          int columns, const int16_t *a, const float *a_scales,
                                                          int nt, int live, float *out, size_t out_stride) {
    const int pairs = columns / 2;
    float spill[ATRIUM_I16_PANEL];
#if defined(LEVEL_AVX512)
    __m512i acc[I16_TILE_TOKENS];
    for (int t = 0; t < nt; t++) acc[t] = _mm512_setzero_si512();
    for (int pair = 0; pair < pairs; pair++) {
        const __m512i wv = _mm512_loadu_si512((const void *)(w + (size_t)pair * 32));
        for (int t = 0; t < nt; t++)
            acc[t] = i16_dot512(acc[t], _mm512_set1_epi32(i16_pair(a + (size_t)t * columns + 2 * pair)), wv);
    }
    const __m512 sw = _mm512_loadu_ps(scales), b = _mm512_loadu_ps(bias);
    for (int t = 0; t < nt; t++) {
        const __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t]), _mm512_mul_ps(_mm512_set1_ps(a_scales[t]), sw), b);
        if (live == ATRIUM_I16_PANEL) _mm512_storeu_ps(out + (size_t)t * out_stride, v);
        else {
            _mm512_storeu_ps(spill, v);
            memcpy(out + (size_t)t * out_stride, spill, (size_t)live * sizeof(float));
        }
    }
#else
    __m256i lo[I16_TILE_TOKENS], hi[I16_TILE_TOKENS];
    for (int t = 0; t < nt; t++) lo[t] = hi[t] = _mm256_setzero_si256();
    for (int pair = 0; pair < pairs; pair++) {
        const __m256i w0 = _mm256_loadu_si256((const __m256i *)(w + (size_t)pair * 32));
        const __m256i w1 = _mm256_loadu_si256((const __m256i *)(w + (size_t)pair * 32 + 16));
        for (int t = 0; t < nt; t++) {
            const __m256i av = _mm256_set1_epi32(i16_pair(a + (size_t)t * columns + 2 * pair));
            lo[t] = i16_dot(lo[t], av, w0);
            hi[t] = i16_dot(hi[t], av, w1);
        }
    }
    const __m256 sw0 = _mm256_loadu_ps(scales), sw1 = _mm256_loadu_ps(scales + 8);
    const __m256 b0 = _mm256_loadu_ps(bias), b1 = _mm256_loadu_ps(bias + 8);
    for (int t = 0; t < nt; t++) {
        const __m256 s = _mm256_set1_ps(a_scales[t]);
        const __m256 v0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lo[t]), _mm256_mul_ps(s, sw0), b0);
        const __m256 v1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(hi[t]), _mm256_mul_ps(s, sw1), b1);
        float *row = out + (size_t)t * out_stride;
        if (live == ATRIUM_I16_PANEL) {
            _mm256_storeu_ps(row, v0);
            _mm256_storeu_ps(row + 8, v1);
        } else {
            _mm256_storeu_ps(spill, v0);
            _mm256_storeu_ps(spill + 8, v1);
            memcpy(row, spill, (size_t)live * sizeof(float));
        }
    }
#endif
}

#if defined(LEVEL_AVX512)
// Two whole panels (32 rows) × 6 tokens: per pair of columns two weight loads and six
// broadcasts feed twelve `vpdpwssd`, where one panel × 12 tokens needs one load and twelve
// broadcasts — the loads, not the multiply-adds, bounded that tile. Same sums, same epilogue.
#define I16_PAIR_TOKENS 6
static inline __attribute__((always_inline)) void i16_tile_pair(const int16_t *w, const float *scales, const float *bias,
                                                               int columns, const int16_t *a, const float *a_scales,
                                                               int nt, float *out, size_t out_stride) {
    const int pairs = columns / 2;
    const int16_t *w1 = w + (size_t)ATRIUM_I16_PANEL * columns;
    __m512i acc0[I16_PAIR_TOKENS], acc1[I16_PAIR_TOKENS];
    for (int t = 0; t < nt; t++) acc0[t] = acc1[t] = _mm512_setzero_si512();
    for (int pair = 0; pair < pairs; pair++) {
        const __m512i wv0 = _mm512_loadu_si512((const void *)(w + (size_t)pair * 32));
        const __m512i wv1 = _mm512_loadu_si512((const void *)(w1 + (size_t)pair * 32));
        for (int t = 0; t < nt; t++) {
            const __m512i av = _mm512_set1_epi32(i16_pair(a + (size_t)t * columns + 2 * pair));
            acc0[t] = i16_dot512(acc0[t], av, wv0);
            acc1[t] = i16_dot512(acc1[t], av, wv1);
        }
    }
    const __m512 sw0 = _mm512_loadu_ps(scales), b0 = _mm512_loadu_ps(bias);
    const __m512 sw1 = _mm512_loadu_ps(scales + 16), b1 = _mm512_loadu_ps(bias + 16);
    for (int t = 0; t < nt; t++) {
        const __m512 s = _mm512_set1_ps(a_scales[t]);
        _mm512_storeu_ps(out + (size_t)t * out_stride, _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc0[t]), _mm512_mul_ps(s, sw0), b0));
        _mm512_storeu_ps(out + (size_t)t * out_stride + 16,
                         _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc1[t]), _mm512_mul_ps(s, sw1), b1));
    }
}
#endif

static void gemm_i16(const int16_t *packed, const float *weight_scales, const float *bias, int rows, int columns,
                     int first_panel, int panels, const int16_t *activations, const float *activation_scales,
                     int tokens, float *out, size_t out_stride) {
    int p = first_panel;
#if defined(LEVEL_AVX512)
    for (; p + 1 < first_panel + panels && (p + 2) * ATRIUM_I16_PANEL <= rows; p += 2) {
        const int16_t *w = packed + (size_t)p * ATRIUM_I16_PANEL * columns;
        const int row0 = p * ATRIUM_I16_PANEL;
        for (int t = 0; t < tokens; t += I16_PAIR_TOKENS) {
            const int16_t *a = activations + (size_t)t * columns;
            float *o = out + (size_t)t * out_stride + row0;
            if (tokens - t >= I16_PAIR_TOKENS)
                i16_tile_pair(w, weight_scales + row0, bias + row0, columns, a, activation_scales + t, I16_PAIR_TOKENS, o,
                              out_stride);
            else
                i16_tile_pair(w, weight_scales + row0, bias + row0, columns, a, activation_scales + t, tokens - t, o,
                              out_stride);
        }
    }
#endif
    for (; p < first_panel + panels; p++) {
        const int16_t *w = packed + (size_t)p * ATRIUM_I16_PANEL * columns;
        const int row0 = p * ATRIUM_I16_PANEL;
        const int live = rows - row0 < ATRIUM_I16_PANEL ? rows - row0 : ATRIUM_I16_PANEL;
        for (int t = 0; t < tokens; t += I16_TILE_TOKENS) {
            const int16_t *a = activations + (size_t)t * columns;
            float *o = out + (size_t)t * out_stride + row0;
            if (tokens - t >= I16_TILE_TOKENS)
                i16_tile(w, weight_scales + row0, bias + row0, columns, a, activation_scales + t, I16_TILE_TOKENS, live,
                         o, out_stride);
            else
                i16_tile(w, weight_scales + row0, bias + row0, columns, a, activation_scales + t, tokens - t, live, o,
                         out_stride);
        }
    }
}
