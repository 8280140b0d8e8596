// Every ISA level of the C kernels this CPU runs, against the scalar references (scalar.c) and
// against a double-precision definition, on random blocks. A plain C program so that it can be
// cross-compiled and run where Swift cannot (aarch64 under qemu-user: scripts/test-kernels-c);
// the Swift tests (Tests/InferenceTests/Kernels/KernelISATests.swift) cover the same ground
// natively. Exit status 0 when every check passes; prints one line per level.
#include "../../Sources/CKernels/kernel_tables.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint32_t next_random(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)(state >> 16);
}
static float uniform(float low, float high) { return low + (high - low) * (float)(next_random() % 1000000) / 1e6f; }

// float → float16 bits (round to nearest even; normal range only, which is all we make).
static uint16_t half_bits(float value) {
    uint32_t x;
    memcpy(&x, &value, 4);
    const uint32_t sign = (x >> 16) & 0x8000, magnitude = x & 0x7FFFFFFF;
    if (magnitude < 0x38800000) return (uint16_t)sign;
    uint32_t half = (magnitude >> 13) - ((127 - 15) << 10);
    const uint32_t rest = magnitude & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) half++;
    return (uint16_t)(sign | half);
}
static float half_value(uint16_t bits) {
    const uint32_t sign = (uint32_t)(bits & 0x8000) << 16, exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
    uint32_t result = exponent == 0 ? sign : sign | ((exponent + 112) << 23) | (mantissa << 13);
    float f;
    memcpy(&f, &result, 4);
    return f;
}
static void put_half(uint8_t *p, float value) {
    const uint16_t bits = half_bits(value);
    memcpy(p, &bits, 2);
}
static float get_half(const uint8_t *p) {
    uint16_t bits;
    memcpy(&bits, p, 2);
    return half_value(bits);
}

static int failures = 0;
static void expect(int condition, const char *level, const char *what, double got, double want) {
    if (condition) return;
    if (failures++ < 20) fprintf(stderr, "FAIL %s: %s: got %.9g, want %.9g\n", level, what, got, want);
}

enum { ROWS = 48, BLOCKS = 12, TOKENS = 13, COLUMNS = BLOCKS * 32 };

// Random Q4_1 (20-byte) and Q8_0 (34-byte) weight rows, Q8_1 (36) and Q8_0 (34) activations.
static uint8_t q4_rows[ROWS * BLOCKS * 20], q8_rows[ROWS * BLOCKS * 34];
static uint8_t q81_acts[TOKENS * BLOCKS * 36], q80_acts[TOKENS * BLOCKS * 34];
static float inputs[TOKENS * COLUMNS];

static void make_data(void) {
    for (int i = 0; i < ROWS * BLOCKS; i++) {
        uint8_t *b4 = q4_rows + 20 * i, *b8 = q8_rows + 34 * i;
        put_half(b4, uniform(0.001f, 0.02f));
        put_half(b4 + 2, uniform(-0.1f, 0.0f));
        for (int j = 0; j < 16; j++) b4[4 + j] = (uint8_t)next_random();
        put_half(b8, uniform(0.001f, 0.02f));
        for (int j = 0; j < 32; j++) b8[2 + j] = (uint8_t)next_random();  // −128 … 127 included
    }
    for (int i = 0; i < TOKENS * BLOCKS; i++) {
        uint8_t *a1 = q81_acts + 36 * i, *a0 = q80_acts + 34 * i;
        const float d = uniform(0.001f, 0.05f);
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            const int8_t q = (int8_t)(next_random() % 255 - 127);
            a1[4 + j] = (uint8_t)q;
            a0[2 + j] = (uint8_t)q;
            sum += q;
        }
        put_half(a1, d);
        put_half(a1 + 2, d * (float)sum);
        put_half(a0, d);
    }
    for (int i = 0; i < TOKENS * COLUMNS; i++) inputs[i] = uniform(-3, 3);
}

// Σ over rows × tokens, in double, of the products the kernels compute.
static double exact_q4_1(int r, int t) {
    double sum = 0;
    for (int b = 0; b < BLOCKS; b++) {
        const uint8_t *w = q4_rows + (r * BLOCKS + b) * 20, *a = q81_acts + (t * BLOCKS + b) * 36;
        long s = 0;
        for (int j = 0; j < 16; j++) s += (w[4 + j] & 15) * (int8_t)a[4 + j] + (w[4 + j] >> 4) * (int8_t)a[20 + j];
        sum += (double)get_half(w) * get_half(a) * (double)s + (double)get_half(w + 2) * get_half(a + 2);
    }
    return sum;
}
static double exact_q8_0(int r, int t) {
    double sum = 0;
    for (int b = 0; b < BLOCKS; b++) {
        const uint8_t *w = q8_rows + (r * BLOCKS + b) * 34, *a = q80_acts + (t * BLOCKS + b) * 34;
        long s = 0;
        for (int j = 0; j < 32; j++) s += (int8_t)w[2 + j] * (int8_t)a[2 + j];
        sum += (double)get_half(w) * get_half(a) * (double)s;
    }
    return sum;
}

static void check_row_major(const atrium_kernel_table *table, const char *level) {
    static float out[TOKENS * ROWS];
    for (int tokens = 1; tokens <= TOKENS; tokens += 6) {
        table->gemm_q4_1_q8_1(q4_rows, BLOCKS * 20, ROWS, q81_acts, BLOCKS * 36, tokens, BLOCKS, out, ROWS);
        for (int t = 0; t < tokens; t++)
            for (int r = 0; r < ROWS; r++) {
                const double want = exact_q4_1(r, t);
                expect(fabs(out[t * ROWS + r] - want) <= 1e-4 * (1 + fabs(want)), level, "q4_1 row-major", out[t * ROWS + r], want);
            }
        table->gemm_q8_0_q8_0(q8_rows, BLOCKS * 34, ROWS, q80_acts, BLOCKS * 34, tokens, BLOCKS, out, ROWS);
        for (int t = 0; t < tokens; t++)
            for (int r = 0; r < ROWS; r++) {
                const double want = exact_q8_0(r, t);
                expect(fabs(out[t * ROWS + r] - want) <= 1e-4 * (1 + fabs(want)), level, "q8_0 row-major", out[t * ROWS + r], want);
            }
    }
}

static void check_attention(const atrium_kernel_table *table, const char *level) {
    enum { COUNT = 37, DIM = 64, HEADS = 3, STRIDE = DIM * 2 };
    static uint16_t keys[COUNT * STRIDE], values[COUNT * STRIDE];
    static float queries[HEADS * DIM], scores[HEADS * COUNT], out[HEADS * DIM], want[HEADS * DIM], one[DIM];
    for (int i = 0; i < COUNT * STRIDE; i++) { keys[i] = half_bits(uniform(-2, 2)); values[i] = half_bits(uniform(-2, 2)); }
    for (int i = 0; i < HEADS * DIM; i++) queries[i] = uniform(-2, 2);
    const float scale = 0.125f;
    for (int h = 0; h < HEADS; h++) {
        double s[COUNT], maximum = -1e300, total = 0;
        for (int j = 0; j < COUNT; j++) {
            double dot = 0;
            for (int i = 0; i < DIM; i++) dot += (double)half_value(half_bits(queries[h * DIM + i])) * half_value(keys[j * STRIDE + i]);
            s[j] = dot * scale;
            if (s[j] > maximum) maximum = s[j];
        }
        for (int j = 0; j < COUNT; j++) { s[j] = exp(s[j] - maximum); total += s[j]; }
        for (int i = 0; i < DIM; i++) {
            double v = 0;
            for (int j = 0; j < COUNT; j++) v += s[j] / total * half_value(values[j * STRIDE + i]);
            want[h * DIM + i] = (float)v;
        }
    }
    table->attend_group64(queries, HEADS, keys, values, STRIDE, COUNT, scale, scores, COUNT, out);
    for (int h = 0; h < HEADS; h++) {
        table->attend_head(queries + h * DIM, keys, values, STRIDE, COUNT, DIM, scale, scores, one);
        for (int i = 0; i < DIM; i++) {
            // float16 probabilities: within a few thousandths of the exact mix.
            expect(fabs(one[i] - want[h * DIM + i]) < 5e-3, level, "attend_head", one[i], want[h * DIM + i]);
            expect(one[i] == out[h * DIM + i], level, "attend_group64 = attend_head", out[h * DIM + i], one[i]);
        }
    }
}

// Interleaved levels: quantize the float inputs, multiply, compare with the double product
// of the same quantized activations; and the AVX2 levels' results to the bit with AVX-512's.
static float interleaved_out[ATRIUM_ISA_COUNT][TOKENS * ROWS * 2];
static uint8_t interleaved_acts[ATRIUM_ISA_COUNT][TOKENS * BLOCKS * 48];

static void check_interleaved(const atrium_kernel_table *table, const char *level) {
    if (!table->interleaved_gemm) return;
    static uint8_t group_q4[ROWS / 16][BLOCKS * Q4_GROUP_BLOCK_BYTES], group_q8[ROWS / 16][BLOCKS * Q8_GROUP_BLOCK_BYTES];
    for (int g = 0; g < ROWS / 16; g++) {
        atrium_interleave_q4_1(q4_rows + g * 16 * BLOCKS * 20, BLOCKS * 20, BLOCKS, group_q4[g]);
        atrium_interleave_q8_0(q8_rows + g * 16 * BLOCKS * 34, BLOCKS * 34, BLOCKS, group_q8[g]);
    }
    uint8_t *acts = interleaved_acts[table->isa];
    table->interleaved_quantize(inputs, COLUMNS, TOKENS, BLOCKS, 0, BLOCKS, acts);
    float *out = interleaved_out[table->isa];
    table->interleaved_gemm(ATRIUM_INTERLEAVED_Q4_1, &group_q4[0][0], ROWS / 16, BLOCKS, acts, TOKENS, out, ROWS);
    table->interleaved_gemm(ATRIUM_INTERLEAVED_Q8_0, &group_q8[0][0], ROWS / 16, BLOCKS, acts, TOKENS, out + TOKENS * ROWS, ROWS);
    const size_t token_bytes = atrium_interleaved_activation_bytes(BLOCKS);
    for (int t = 0; t < TOKENS; t++) {
        const int8_t *q = (const int8_t *)(acts + t * token_bytes);
        const float *meta = (const float *)(acts + t * token_bytes + BLOCKS * 32);
        for (int b = 0; b < BLOCKS; b++) {  // the quantization itself
            float amax = 0;
            int sum = 0;
            for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(inputs[t * COLUMNS + 32 * b + j]));
            for (int j = 0; j < 32; j++) {
                sum += q[32 * b + j];
                const double error = fabs(q[32 * b + j] * (amax / 127.0) - inputs[t * COLUMNS + 32 * b + j]);
                expect(error <= 0.5001 * amax / 127, level, "quantize error", error, amax / 254);
            }
            expect(fabs(meta[4 * b] - amax / 127) <= 1e-3 * amax / 127, level, "quantize scale", meta[4 * b], amax / 127);
            int32_t bias;
            memcpy(&bias, meta + 4 * b + 2, 4);
            expect(bias == -128 * sum, level, "quantize bias", bias, -128 * sum);
        }
        for (int r = 0; r < ROWS; r++) {
            double want4 = 0, want8 = 0;
            for (int b = 0; b < BLOCKS; b++) {
                const uint8_t *w4 = q4_rows + (r * BLOCKS + b) * 20, *w8 = q8_rows + (r * BLOCKS + b) * 34;
                long s4 = 0, s8 = 0;
                for (int j = 0; j < 16; j++) s4 += (w4[4 + j] & 15) * q[32 * b + j] + (w4[4 + j] >> 4) * q[32 * b + 16 + j];
                for (int j = 0; j < 32; j++) s8 += (int8_t)w8[2 + j] * q[32 * b + j];
                want4 += (double)get_half(w4) * meta[4 * b] * (double)s4 + (double)get_half(w4 + 2) * meta[4 * b + 1];
                want8 += (double)get_half(w8) * meta[4 * b] * (double)s8;
            }
            expect(fabs(out[t * ROWS + r] - want4) <= 1e-4 * (1 + fabs(want4)), level, "q4_1 interleaved", out[t * ROWS + r], want4);
            expect(fabs(out[TOKENS * ROWS + t * ROWS + r] - want8) <= 1e-4 * (1 + fabs(want8)), level, "q8_0 interleaved",
                   out[TOKENS * ROWS + t * ROWS + r], want8);
        }
    }
    // Quantizing a row's blocks in parts (as the workers that computed them do) gives the same bytes.
    static uint8_t parts[TOKENS * BLOCKS * 48];
    memset(parts, 0xA5, sizeof parts);
    for (int first = 0; first < BLOCKS; first += 3) {
        const int count = BLOCKS - first < 3 ? BLOCKS - first : 3;
        table->interleaved_quantize(inputs, COLUMNS, TOKENS, BLOCKS, first, count, parts);
    }
    expect(memcmp(parts, acts, TOKENS * token_bytes) == 0, level, "quantize in parts = whole", 0, 0);
    // One token alone gives the bits it gives among 13 (tiles of 8/4/2/1 change nothing).
    static float alone[ROWS];
    table->interleaved_gemm(ATRIUM_INTERLEAVED_Q4_1, &group_q4[0][0], ROWS / 16, BLOCKS, acts + 12 * token_bytes, 1, alone, ROWS);
    for (int r = 0; r < ROWS; r++) expect(alone[r] == out[12 * ROWS + r], level, "batch-independent", alone[r], out[12 * ROWS + r]);
}

// The int16 GEMM (int16_gemm.c): every level gives the scalar reference's bits, on rows that end
// mid-panel and token counts that end mid-tile; and the scalar reference agrees with a
// double-precision product of the rounded values.
enum { I16_ROWS = 40, I16_COLUMNS = 70, I16_TOKENS = 15 };
static void check_i16(const atrium_kernel_table *table, const char *level) {
    static float weights[I16_ROWS * I16_COLUMNS], input[I16_TOKENS * I16_COLUMNS], bias[48], scales[48], a_scales[I16_TOKENS];
    static int16_t packed[48 * I16_COLUMNS], acts[I16_TOKENS * I16_COLUMNS];
    static float want[I16_TOKENS * 48], got[I16_TOKENS * 48];
    for (int i = 0; i < I16_ROWS * I16_COLUMNS; i++) weights[i] = uniform(-0.3f, 0.3f);
    for (int i = 0; i < I16_TOKENS * I16_COLUMNS; i++) input[i] = uniform(-4, 4);
    for (int i = 0; i < 48; i++) bias[i] = i < I16_ROWS ? uniform(-1, 1) : 0;
    input[3] = 40;  // an outlier channel, as BERT's activations have
    atrium_i16_pack_weights(weights, I16_ROWS, I16_COLUMNS, packed, scales);
    atrium_i16_quantize(input, I16_COLUMNS, I16_TOKENS, I16_COLUMNS, acts, a_scales);
    for (int i = 0; i < I16_TOKENS * I16_COLUMNS; i++)
        expect(acts[i] >= -ATRIUM_I16_INPUT_LIMIT && acts[i] <= ATRIUM_I16_INPUT_LIMIT, level, "activation in range", acts[i], 0);
    atrium_scalar_gemm_i16(packed, scales, bias, I16_ROWS, I16_COLUMNS, 0, 3, acts, a_scales, I16_TOKENS, want, 48);
    for (int t = 0; t < I16_TOKENS; t++)
        for (int r = 0; r < I16_ROWS; r++) {
            double sum = 0, exact = 0, bound = 0;
            for (int c = 0; c < I16_COLUMNS; c++) {
                const int16_t w = packed[(r / 16) * 16 * I16_COLUMNS + (c / 2) * 32 + (r % 16) * 2 + c % 2];
                sum += (double)w * acts[t * I16_COLUMNS + c];
                exact += (double)weights[r * I16_COLUMNS + c] * input[t * I16_COLUMNS + c];
                // Each factor is off by at most half its step.
                bound += fabs(weights[r * I16_COLUMNS + c]) * a_scales[t] / 2 + fabs(input[t * I16_COLUMNS + c]) * scales[r] / 2
                    + a_scales[t] * scales[r] / 4;
            }
            const double value = sum * a_scales[t] * scales[r] + bias[r];
            expect(fabs(value - want[t * 48 + r]) <= 1e-5 * (1 + fabs(value)), level, "i16 scalar vs double", want[t * 48 + r], value);
            expect(fabs(exact + bias[r] - want[t * 48 + r]) <= bound + 1e-5, level, "i16 close to float", want[t * 48 + r], exact + bias[r]);
        }
    // The level's own layout of the same rounded values, and the same scales.
    const atrium_i16_layout *layout = table->i16_layout;
    int16_t *lpacked = malloc(layout->packed_count(I16_ROWS, I16_COLUMNS) * sizeof(int16_t));
    int16_t *lacts = malloc(layout->activation_count(I16_TOKENS, I16_COLUMNS) * sizeof(int16_t));
    float lscales[48], la_scales[I16_TOKENS];
    layout->pack_weights(weights, I16_ROWS, I16_COLUMNS, lpacked, lscales);
    layout->quantize(input, I16_COLUMNS, I16_TOKENS, I16_COLUMNS, lacts, la_scales);
    expect(memcmp(lscales, scales, sizeof scales) == 0 && memcmp(la_scales, a_scales, sizeof a_scales) == 0, level,
           "i16 layout rounds as the pairs layout", 0, 0);
    for (int i = 0; i < I16_TOKENS * 48; i++) got[i] = -7;
    // Panels one call at a time, as workers split them.
    for (int p = 0; p < 3; p++)
        table->gemm_i16(lpacked, lscales, bias, I16_ROWS, I16_COLUMNS, p, 1, lacts, la_scales, I16_TOKENS, got, 48);
    for (int t = 0; t < I16_TOKENS; t++) {
        for (int r = 0; r < I16_ROWS; r++)
            expect(got[t * 48 + r] == want[t * 48 + r], level, "i16 bit-identical to scalar", got[t * 48 + r], want[t * 48 + r]);
        for (int r = I16_ROWS; r < 48; r++) expect(got[t * 48 + r] == -7, level, "i16 writes no padding row", got[t * 48 + r], -7);
    }
    free(lpacked);
    free(lacts);
    // The largest sum the format allows (rows of ATRIUM_I16_MAX_COLUMNS at the limits) does not overflow.
    static float big_weights[16 * ATRIUM_I16_MAX_COLUMNS], big_input[ATRIUM_I16_MAX_COLUMNS], zero[16], big_out[16];
    int16_t *big_packed = malloc(layout->packed_count(16, ATRIUM_I16_MAX_COLUMNS) * sizeof(int16_t));
    int16_t *big_acts = malloc(layout->activation_count(1, ATRIUM_I16_MAX_COLUMNS) * sizeof(int16_t));
    float big_scales[16], big_a_scale;
    for (int i = 0; i < 16 * ATRIUM_I16_MAX_COLUMNS; i++) big_weights[i] = i / ATRIUM_I16_MAX_COLUMNS == 3 ? -1 : 1;
    for (int i = 0; i < ATRIUM_I16_MAX_COLUMNS; i++) big_input[i] = 1;
    layout->pack_weights(big_weights, 16, ATRIUM_I16_MAX_COLUMNS, big_packed, big_scales);
    layout->quantize(big_input, ATRIUM_I16_MAX_COLUMNS, 1, ATRIUM_I16_MAX_COLUMNS, big_acts, &big_a_scale);
    table->gemm_i16(big_packed, big_scales, zero, 16, ATRIUM_I16_MAX_COLUMNS, 0, 1, big_acts, &big_a_scale, 1, big_out, 16);
    for (int r = 0; r < 16; r++) {
        const double want = r == 3 ? -ATRIUM_I16_MAX_COLUMNS : ATRIUM_I16_MAX_COLUMNS;
        expect(fabs(big_out[r] - want) <= 1e-3 * ATRIUM_I16_MAX_COLUMNS, level, "i16 largest sum", big_out[r], want);
    }
    free(big_packed);
    free(big_acts);
}

int main(void) {
    make_data();
    int levels = 0;
    for (int isa = 0; isa < ATRIUM_ISA_COUNT; isa++) {
        const atrium_kernel_table *table = atrium_kernel_table_for(isa);
        if (!table) continue;
        const int before = failures;
        check_row_major(table, atrium_isa_name(isa));
        check_attention(table, atrium_isa_name(isa));
        check_interleaved(table, atrium_isa_name(isa));
        check_i16(table, atrium_isa_name(isa));
        printf("%-12s %s\n", atrium_isa_name(isa), failures == before ? "ok" : "FAILED");
        levels++;
    }
    // Every interleaved level computes the same bytes and floats.
    for (int isa = ATRIUM_ISA_AVX2; isa < ATRIUM_ISA_AVX512_VNNI; isa++) {
        const atrium_kernel_table *a = atrium_kernel_table_for(isa), *b = atrium_kernel_table_for(ATRIUM_ISA_AVX512_VNNI);
        if (!a || !b || !a->interleaved_gemm) continue;
        const int same = memcmp(interleaved_acts[isa], interleaved_acts[ATRIUM_ISA_AVX512_VNNI], sizeof interleaved_acts[0]) == 0 &&
                         memcmp(interleaved_out[isa], interleaved_out[ATRIUM_ISA_AVX512_VNNI], sizeof interleaved_out[0]) == 0;
        expect(same, atrium_isa_name(isa), "bit-identical to avx512-vnni", same, 1);
        printf("%-12s interleaved results identical to avx512-vnni: %s\n", atrium_isa_name(isa), same ? "yes" : "NO");
    }
    printf("%d levels checked, best %s, %d failures\n", levels, atrium_isa_name(atrium_isa_best()), failures);
    return failures == 0 && levels >= 2 ? 0 : 1;
}
