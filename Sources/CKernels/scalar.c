// The portable kernels: the reference every vectorized level is tested against (and what runs
// where no vector level does). Plain C, one dot product at a time, with float16 done in
// software so that no instruction beyond the compiler's baseline is needed.
#include "kernel_tables.h"

#include <math.h>
#include <string.h>

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

static float half_to_float(const uint8_t *p) {
    uint16_t bits;
    memcpy(&bits, p, 2);
    return half_bits_to_float(bits);
}

// `value` rounded to the nearest float16 (ties to even) and back, as vcvtps2ph does.
static float round_to_half(float value) {
    uint32_t x;
    memcpy(&x, &value, 4);
    const uint32_t sign = (x >> 16) & 0x8000, magnitude = x & 0x7FFFFFFF;
    uint32_t half;
    if (magnitude >= 0x7F800000) half = 0x7C00 | (magnitude > 0x7F800000 ? 0x200 : 0);  // inf, NaN
    else if (magnitude >= 0x477FF000) half = 0x7C00;  // 65520 and up round to infinity
    else if (magnitude < 0x38800000) {                 // below 2^-14: a subnormal float16 or zero
        float v;
        memcpy(&v, &magnitude, 4);
        half = (uint32_t)lrintf(v * 16777216.0f);  // in units of 2^-24, exact, rounded to even
    } else {
        half = (magnitude >> 13) - ((127 - 15) << 10);
        const uint32_t rest = magnitude & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) half++;
    }
    return half_bits_to_float((uint16_t)(sign | half));
}

static void gemm_q4_1_q8_1(const uint8_t *weights, size_t row_bytes, int rows, const uint8_t *activations,
                           size_t act_bytes, int tokens, int blocks, float *out, size_t out_stride) {
    for (int t = 0; t < tokens; t++)
        for (int r = 0; r < rows; r++) {
            float sum = 0;
            for (int b = 0; b < blocks; b++) {
                const uint8_t *w = weights + r * row_bytes + b * 20;
                const uint8_t *a = activations + t * act_bytes + b * 36;
                int s = 0;
                for (int j = 0; j < 16; j++)
                    s += (w[4 + j] & 0x0F) * (int8_t)a[4 + j] + (w[4 + j] >> 4) * (int8_t)a[20 + j];
                sum += half_to_float(w) * half_to_float(a) * (float)s + half_to_float(w + 2) * half_to_float(a + 2);
            }
            out[t * out_stride + r] = sum;
        }
}

static void gemm_q8_0_q8_0(const uint8_t *weights, size_t row_bytes, int rows, const uint8_t *activations,
                           size_t act_bytes, int tokens, int blocks, float *out, size_t out_stride) {
    for (int t = 0; t < tokens; t++)
        for (int r = 0; r < rows; r++) {
            float sum = 0;
            for (int b = 0; b < blocks; b++) {
                const uint8_t *w = weights + r * row_bytes + b * 34;
                const uint8_t *a = activations + t * act_bytes + b * 34;
                int s = 0;
                for (int j = 0; j < 32; j++) s += (int8_t)w[2 + j] * (int8_t)a[2 + j];
                sum += (float)s * (half_to_float(w) * half_to_float(a));
            }
            out[t * out_stride + r] = sum;
        }
}

// As the vector kernels: the query and the probabilities rounded to float16 (llama.cpp's
// float16 matmuls), exp from libm.
void atrium_scalar_attend_head(const float *query, const uint16_t *keys, const uint16_t *values, size_t kv_stride,
                        int count, int head_dim, float scale, float *scores, float *out) {
    float maximum = -INFINITY;
    for (int j = 0; j < count; j++) {
        float dot = 0;
        for (int i = 0; i < head_dim; i++)
            dot += round_to_half(query[i]) * half_bits_to_float(keys[(size_t)j * kv_stride + i]);
        scores[j] = dot * scale;
        if (scores[j] > maximum) maximum = scores[j];
    }
    float total = 0;
    for (int j = 0; j < count; j++) { scores[j] = expf(scores[j] - maximum); total += scores[j]; }
    const float inverse = 1.0f / total;
    for (int i = 0; i < head_dim; i++) out[i] = 0;
    for (int j = 0; j < count; j++) {
        const float p = round_to_half(scores[j] * inverse);
        for (int i = 0; i < head_dim; i++) out[i] += p * half_bits_to_float(values[(size_t)j * kv_stride + i]);
    }
}

void atrium_scalar_attend_group64(const float *queries, int heads, const uint16_t *keys, const uint16_t *values,
                           size_t kv_stride, int count, float scale, float *scores, size_t scores_stride,
                           float *out) {
    for (int h = 0; h < heads; h++)
        atrium_scalar_attend_head(queries + h * 64, keys, values, kv_stride, count, 64, scale, scores + h * scores_stride,
                    out + h * 64);
}

// The sentence encoder's attention (bert_attention.h) on sixteen plain floats: every operation
// the vector levels do, lane by lane (fmaf fused as their FMAs are), so their bits are these.
typedef struct {
    float lane[16];
} v16;
#define V16_MAP(expression)                                     \
    v16 result;                                                 \
    for (int i = 0; i < 16; i++) result.lane[i] = (expression); \
    return result
static inline v16 v16_zero(void) { V16_MAP(0.0f); }
static inline v16 v16_set1(float x) { V16_MAP(x); }
static inline v16 v16_load(const float *p) { V16_MAP(p[i]); }
static inline void v16_store(float *p, v16 v) { memcpy(p, v.lane, sizeof v.lane); }
static inline v16 v16_fma(v16 a, v16 b, v16 c) { V16_MAP(fmaf(a.lane[i], b.lane[i], c.lane[i])); }
static inline v16 v16_mul(v16 a, v16 b) { V16_MAP(a.lane[i] * b.lane[i]); }
static inline v16 v16_add(v16 a, v16 b) { V16_MAP(a.lane[i] + b.lane[i]); }
static inline v16 v16_sub(v16 a, v16 b) { V16_MAP(a.lane[i] - b.lane[i]); }
static inline v16 v16_max(v16 a, v16 b) { V16_MAP(a.lane[i] > b.lane[i] ? a.lane[i] : b.lane[i]); }
// e^x as the x86 levels' exp16/exp8 compute it, one lane: x = n·ln2 + r (ln2 split in two so
// n·ln2High is exact), e^r = 1 + r + r²·P(r) with Cephes' coefficients, times 2^n.
static inline float exp1(float x) {
    x = fminf(fmaxf(x, -87.3f), 88.0f);
    const float n = nearbyintf(x * 1.44269504f);
    float r = fmaf(n, -0.693359375f, x);
    r = fmaf(n, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    const uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;  // 2^n: n is whole, in [-126, 127]
    float power;
    memcpy(&power, &bits, 4);
    return fmaf(r * r, p, r + 1.0f) * power;
}
static inline v16 v16_exp(v16 x) { V16_MAP(exp1(x.lane[i])); }
static inline v16 v16_first(v16 v, int count, float filler) { V16_MAP(i < count ? v.lane[i] : filler); }
static inline float v16_largest(v16 v) {
    float largest = v.lane[0];
    for (int i = 1; i < 16; i++) largest = v.lane[i] > largest ? v.lane[i] : largest;
    return largest;
}
static inline float v16_sum(v16 v) {
    float sum = -0.0f;
    for (int i = 0; i < 16; i++) sum += v.lane[i];
    return sum;
}
#undef V16_MAP

#include "bert_attention.h"

size_t atrium_bert_attend_scratch(int length, int head_size) { return bert_attend_scratch(length, head_size); }

void atrium_scalar_bert_attend(const float *queries, size_t row_stride, size_t hidden, int length, int head_size,
                               float scale, float *scratch, float *out) {
    bert_attend(queries, row_stride, hidden, length, head_size, scale, scratch, out);
}

const atrium_kernel_table atrium_table_scalar = {
    .isa = ATRIUM_ISA_SCALAR,
    .gemm_q4_1_q8_1 = gemm_q4_1_q8_1,
    .gemm_q8_0_q8_0 = gemm_q8_0_q8_0,
    .attend_head = atrium_scalar_attend_head,
    .attend_group64 = atrium_scalar_attend_group64,
    .interleaved_quantize = NULL,
    .interleaved_gemm = NULL,
    .gemm_i16 = atrium_scalar_gemm_i16,
    .i16_layout = &atrium_i16_pairs,
    .bert_attend = atrium_scalar_bert_attend,
};
