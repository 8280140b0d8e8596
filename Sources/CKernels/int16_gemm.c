// The sentence encoder's linear layers in 16-bit integers (Sources/Inference/Kernels/
// Int16GEMM.swift runs them): weights rounded to 10 bits per output row (±511), activations to
// 12 bits per token (±2047), products summed exactly in int32, then scaled back to float.
//
// Why this scheme (scripts/replay-embedding-precision, a numpy replay of all-MiniLM-L6-v2 on the
// 23 reference sentences, worst cosine to float32): int8 weights and activations 0.9857, int8
// weights with int16 activations 0.9965 — the per-row weight rounding alone breaks the 0.999
// rule — while 10-bit weights with 12-bit activations give 0.99987 (11 and 11: 0.99981; 12 and
// 10: 0.99893). Products of pairs of 16-bit values are what `vpmaddwd` (AVX2: 16 per
// instruction, twice the float32 FMA's 8) and `vpdpwssd` (AVX-VNNI, AVX-512 VNNI) compute, and
// integer sums make every ISA level's result the scalar reference's to the bit. Any sum of
// 2048 products stays inside int32 (2048 · 511 · 2047 < 2³¹).
//
// Layout: weights in panels of 16 rows, each stored by pairs of columns, `[panel][column/2][16][2]`
// int16 (one 64-byte line per pair of columns), zero past the last row; activations
// `[token][columns]` int16.
#include "kernel_tables.h"

#include <math.h>

size_t atrium_i16_packed_count(int rows, int columns) {
    return (size_t)((rows + ATRIUM_I16_PANEL - 1) / ATRIUM_I16_PANEL) * ATRIUM_I16_PANEL * (size_t)columns;
}

// `value · inverse` rounded to the nearest integer (ties to even), within ±limit.
static int16_t quantize_one(float value, float inverse, float limit) {
    const float scaled = fminf(fmaxf(value * inverse, -limit), limit);
    return (int16_t)(int)nearbyintf(scaled);
}

void atrium_i16_pack_weights(const float *weights, int rows, int columns, int16_t *packed, float *scales) {
    const int panels = (rows + ATRIUM_I16_PANEL - 1) / ATRIUM_I16_PANEL;
    for (size_t i = 0; i < atrium_i16_packed_count(rows, columns); i++) packed[i] = 0;
    for (int r = 0; r < panels * ATRIUM_I16_PANEL; r++) scales[r] = 0;
    for (int r = 0; r < rows; r++) {
        const float *row = weights + (size_t)r * columns;
        float largest = 0;
        for (int c = 0; c < columns; c++) largest = fmaxf(largest, fabsf(row[c]));
        const float inverse = largest > 0 ? (float)ATRIUM_I16_WEIGHT_LIMIT / largest : 0;
        scales[r] = largest / (float)ATRIUM_I16_WEIGHT_LIMIT;
        int16_t *panel = packed + (size_t)(r / ATRIUM_I16_PANEL) * ATRIUM_I16_PANEL * columns;
        for (int c = 0; c < columns; c++)
            panel[(size_t)(c / 2) * 2 * ATRIUM_I16_PANEL + (r % ATRIUM_I16_PANEL) * 2 + c % 2] = quantize_one(row[c], inverse, (float)ATRIUM_I16_WEIGHT_LIMIT);
    }
}

void atrium_i16_quantize(const float *input, size_t input_stride, int tokens, int columns, int16_t *out,
                         float *scales) {
    for (int t = 0; t < tokens; t++) {
        const float *x = input + (size_t)t * input_stride;
        int16_t *q = out + (size_t)t * columns;
        float largest = 0;
        for (int c = 0; c < columns; c++) largest = fmaxf(largest, fabsf(x[c]));
        const float inverse = largest > 0 ? (float)ATRIUM_I16_INPUT_LIMIT / largest : 0;
        scales[t] = largest / (float)ATRIUM_I16_INPUT_LIMIT;
        for (int c = 0; c < columns; c++) q[c] = quantize_one(x[c], inverse, (float)ATRIUM_I16_INPUT_LIMIT);
    }
}

static size_t pairs_activation_count(int tokens, int columns) { return (size_t)tokens * (size_t)columns; }

const atrium_i16_layout atrium_i16_pairs = {
    .packed_count = atrium_i16_packed_count,
    .pack_weights = atrium_i16_pack_weights,
    .activation_count = pairs_activation_count,
    .quantize = atrium_i16_quantize,
};

void atrium_scalar_gemm_i16(const int16_t *packed, const float *weight_scales, const float *bias, int rows,
                            int columns, int first_panel, int panels, const int16_t *activations,
                            const float *activation_scales, int tokens, float *out, size_t out_stride) {
    for (int p = first_panel; p < first_panel + panels; p++) {
        const int16_t *w = packed + (size_t)p * ATRIUM_I16_PANEL * columns;
        const int row0 = p * ATRIUM_I16_PANEL;
        const int live = rows - row0 < ATRIUM_I16_PANEL ? rows - row0 : ATRIUM_I16_PANEL;
        for (int t = 0; t < tokens; t++) {
            const int16_t *a = activations + (size_t)t * columns;
            int32_t sum[ATRIUM_I16_PANEL] = {0};
            for (int pair = 0; pair < columns / 2; pair++)
                for (int r = 0; r < ATRIUM_I16_PANEL; r++) {
                    const int16_t *wp = w + ((size_t)pair * ATRIUM_I16_PANEL + r) * 2;
                    sum[r] += (int32_t)wp[0] * a[2 * pair] + (int32_t)wp[1] * a[2 * pair + 1];
                }
            for (int r = 0; r < live; r++)
                out[(size_t)t * out_stride + row0 + r] =
                    fmaf((float)sum[r], activation_scales[t] * weight_scales[row0 + r], bias[row0 + r]);
        }
    }
}
