#include "CKernels.h"

#include <math.h>
#include <string.h>
#if defined(__AVX2__) && defined(__F16C__) && defined(__FMA__)
#include <immintrin.h>
#define ATRIUM_AVX2 1
#endif

#ifdef ATRIUM_AVX2

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

#ifdef __AVX512F__
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
#endif

// scores[j] = e^(scores[j] − maximum) for every j; returns their sum. Sixteen at a time where
// the CPU can: one libm expf per cached position was most of attention's time in batches.
static inline float exponentiate(float *scores, int count, float maximum) {
#ifdef __AVX512F__
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
    float total = 0;
    for (int j = 0; j < count; j++) {
        const float e = expf(scores[j] - maximum);
        scores[j] = e;
        total += e;
    }
    return total;
#endif
}

void atrium_attend_head(const float *query, const uint16_t *keys, const uint16_t *values, size_t kv_stride,
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

// The heads of one GQA group (up to 4) over the same cached positions, head_dim 64: each key
// and value row is loaded once for the whole group, and the outputs stay in registers. Every
// head's arithmetic is exactly atrium_attend_head's, in the same order, so results are the same.
void atrium_attend_group64(const float *queries, int heads, const uint16_t *keys, const uint16_t *values,
                           size_t kv_stride, int count, float scale, float *scores, size_t scores_stride,
                           float *out) {
    enum { DIM = 64, CHUNKS = DIM / 8, MAX_HEADS = 4 };
    __m256 q[MAX_HEADS][CHUNKS];
    for (int h = 0; h < heads; h++)
        for (int c = 0; c < CHUNKS; c++) q[h][c] = round_to_half8(_mm256_loadu_ps(queries + h * DIM + 8 * c));

    float maximum[MAX_HEADS] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    for (int j = 0; j < count; j++) {
        const uint16_t *k = keys + (size_t)j * kv_stride;
        __m256 key[CHUNKS];
        for (int c = 0; c < CHUNKS; c++) key[c] = load_half8(k + 8 * c);
        for (int h = 0; h < heads; h++) {
            __m256 acc = _mm256_setzero_ps();
            for (int c = 0; c < CHUNKS; c++) acc = _mm256_fmadd_ps(q[h][c], key[c], acc);
            const float score = sum8(acc) * scale;
            scores[h * scores_stride + j] = score;
            if (score > maximum[h]) maximum[h] = score;
        }
    }
    float inverse[MAX_HEADS];
    for (int h = 0; h < heads; h++) {
        inverse[h] = 1.0f / exponentiate(scores + h * scores_stride, count, maximum[h]);
    }

    __m256 acc[MAX_HEADS][CHUNKS];
    for (int h = 0; h < heads; h++)
        for (int c = 0; c < CHUNKS; c++) acc[h][c] = _mm256_setzero_ps();
    for (int j = 0; j < count; j++) {
        const uint16_t *v = values + (size_t)j * kv_stride;
        __m256 value[CHUNKS];
        for (int c = 0; c < CHUNKS; c++) value[c] = load_half8(v + 8 * c);
        for (int h = 0; h < heads; h++) {
            const float p = _cvtsh_ss(_cvtss_sh(scores[h * scores_stride + j] * inverse[h], _MM_FROUND_TO_NEAREST_INT));
            const __m256 weight = _mm256_set1_ps(p);
            for (int c = 0; c < CHUNKS; c++) acc[h][c] = _mm256_fmadd_ps(weight, value[c], acc[h][c]);
        }
    }
    for (int h = 0; h < heads; h++)
        for (int c = 0; c < CHUNKS; c++) _mm256_storeu_ps(out + h * DIM + 8 * c, acc[h][c]);
}

#else

static float half_bits_to_float(uint16_t bits) {
    uint32_t sign = (uint32_t)(bits & 0x8000) << 16, exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF, result;
    if (exponent == 0) {
        if (mantissa == 0) result = sign;
        else {
            exponent = 127 - 15 + 1;
            while (!(mantissa & 0x400)) { mantissa <<= 1; exponent--; }
            result = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
        }
    } else if (exponent == 31) result = sign | 0x7F800000 | (mantissa << 13);
    else result = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    float f;
    memcpy(&f, &result, 4);
    return f;
}

void atrium_attend_head(const float *query, const uint16_t *keys, const uint16_t *values, size_t kv_stride,
                        int count, int head_dim, float scale, float *scores, float *out) {
    float maximum = -INFINITY;
    for (int j = 0; j < count; j++) {
        float dot = 0;
        for (int i = 0; i < head_dim; i++) dot += query[i] * half_bits_to_float(keys[(size_t)j * kv_stride + i]);
        scores[j] = dot * scale;
        if (scores[j] > maximum) maximum = scores[j];
    }
    float total = 0;
    for (int j = 0; j < count; j++) { scores[j] = expf(scores[j] - maximum); total += scores[j]; }
    for (int i = 0; i < head_dim; i++) out[i] = 0;
    for (int j = 0; j < count; j++)
        for (int i = 0; i < head_dim; i++)
            out[i] += scores[j] / total * half_bits_to_float(values[(size_t)j * kv_stride + i]);
}

void atrium_attend_group64(const float *queries, int heads, const uint16_t *keys, const uint16_t *values,
                           size_t kv_stride, int count, float scale, float *scores, size_t scores_stride,
                           float *out) {
    for (int h = 0; h < heads; h++)
        atrium_attend_head(queries + h * 64, keys, values, kv_stride, count, 64, scale, scores + h * scores_stride,
                           out + h * 64);
}

#endif
