// The aarch64 kernels: the row-major Q4_1 and Q8_0 products with the ARMv8.2 dot-product
// instruction (sdot: four byte products summed per 32-bit lane). Attention runs the scalar
// kernel here, and the interleaved kernels are x86 only; tested against scalar.c under
// qemu-aarch64 (scripts/test-kernels-aarch64).
#if defined(__aarch64__)
#include "kernel_tables.h"

#include <arm_neon.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("dotprod"))), apply_to = function)

static inline float half_to_float(const uint8_t *p) {
    __fp16 value;
    memcpy(&value, p, 2);
    return (float)value;
}

// Σ over a Q4_1 block of weight nibbles × activation bytes, in the same integer as scalar.c.
static inline int32_t dot_q4_1(const uint8_t *qs, const int8_t *a) {
    const uint8x16_t packed = vld1q_u8(qs);
    const int8x16_t low = vreinterpretq_s8_u8(vandq_u8(packed, vdupq_n_u8(0x0F)));
    const int8x16_t high = vreinterpretq_s8_u8(vshrq_n_u8(packed, 4));
    int32x4_t sum = vdotq_s32(vdupq_n_s32(0), low, vld1q_s8(a));
    sum = vdotq_s32(sum, high, vld1q_s8(a + 16));
    return vaddvq_s32(sum);
}

static inline int32_t dot_q8_0(const int8_t *w, const int8_t *a) {
    int32x4_t sum = vdotq_s32(vdupq_n_s32(0), vld1q_s8(w), vld1q_s8(a));
    sum = vdotq_s32(sum, vld1q_s8(w + 16), vld1q_s8(a + 16));
    return vaddvq_s32(sum);
}

// Each weight row is read once per 4 tokens (the tokens' blocks stay in L1).
static void gemm_q4_1_q8_1(const uint8_t *weights, size_t row_bytes, int rows, const uint8_t *activations,
                           size_t act_bytes, int tokens, int blocks, float *out, size_t out_stride) {
    for (int t0 = 0; t0 < tokens; t0 += 4) {
        const int nt = tokens - t0 < 4 ? tokens - t0 : 4;
        for (int r = 0; r < rows; r++) {
            float sum[4] = {0, 0, 0, 0};
            for (int b = 0; b < blocks; b++) {
                const uint8_t *w = weights + r * row_bytes + b * 20;
                const float dw = half_to_float(w), mw = half_to_float(w + 2);
                for (int t = 0; t < nt; t++) {
                    const uint8_t *a = activations + (t0 + t) * act_bytes + b * 36;
                    sum[t] += dw * half_to_float(a) * (float)dot_q4_1(w + 4, (const int8_t *)(a + 4)) +
                              mw * half_to_float(a + 2);
                }
            }
            for (int t = 0; t < nt; t++) out[(t0 + t) * out_stride + r] = sum[t];
        }
    }
}

static void gemm_q8_0_q8_0(const uint8_t *weights, size_t row_bytes, int rows, const uint8_t *activations,
                           size_t act_bytes, int tokens, int blocks, float *out, size_t out_stride) {
    for (int t0 = 0; t0 < tokens; t0 += 4) {
        const int nt = tokens - t0 < 4 ? tokens - t0 : 4;
        for (int r = 0; r < rows; r++) {
            float sum[4] = {0, 0, 0, 0};
            for (int b = 0; b < blocks; b++) {
                const uint8_t *w = weights + r * row_bytes + b * 34;
                const float dw = half_to_float(w);
                for (int t = 0; t < nt; t++) {
                    const uint8_t *a = activations + (t0 + t) * act_bytes + b * 34;
                    sum[t] += (float)dot_q8_0((const int8_t *)(w + 2), (const int8_t *)(a + 2)) * (dw * half_to_float(a));
                }
            }
            for (int t = 0; t < nt; t++) out[(t0 + t) * out_stride + r] = sum[t];
        }
    }
}

#pragma clang attribute pop

const atrium_kernel_table atrium_table_neon_dotprod = {
    .isa = ATRIUM_ISA_NEON_DOTPROD,
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
#endif
