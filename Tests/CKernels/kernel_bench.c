// Speed of the interleaved GEMM and of GQA attention at SmolLM2-135M's shapes, per ISA level,
// on one thread (scripts/bench-kernels-c builds and runs it; it also builds it against an older
// revision's kernels, to compare side by side). Times are the thread's CPU time, best of several
// rounds, so that other processes on a busy machine move them less.
//
// usage: kernel_bench [level] [tokens]   (default: every interleaved level, 1, 8 and 64 tokens)
#include "CKernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint64_t state = 1;
static uint32_t next_random(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)state;
}

// One decoding step's matrices: 30 layers' Q/K/V, output, gate/up, down (Q4_1) and the tied
// output projection (Q8_0), each layer its own copy, so that the weights stream as in the model.
typedef struct {
    int format, rows, columns, copies;
    const char *name;
} shape;
static const shape shapes[] = {
    {ATRIUM_INTERLEAVED_Q4_1, 960, 576, 30, "q4_1 qkv"},   {ATRIUM_INTERLEAVED_Q4_1, 576, 576, 30, "q4_1 out"},
    {ATRIUM_INTERLEAVED_Q4_1, 3072, 576, 30, "q4_1 gate/up"}, {ATRIUM_INTERLEAVED_Q4_1, 576, 1536, 30, "q4_1 down"},
    {ATRIUM_INTERLEAVED_Q8_0, 49152, 576, 1, "q8_0 logits"},
};

static void bench_gemm(const atrium_kernel_table *k, const char *level, int tokens) {
    double total = 0, macs = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const shape sh = shapes[s];
        const int blocks = sh.columns / 32, groups = sh.rows / 16;
        const size_t group_bytes = atrium_interleaved_group_bytes(sh.format, blocks), bytes = group_bytes * groups * sh.copies;
        uint8_t *w = aligned_alloc(64, (bytes + 63) / 64 * 64);
        for (size_t i = 0; i < bytes; i++) w[i] = (uint8_t)next_random();
        // Scales and minimums of every block: float16 0.0625, so the sums stay finite.
        const size_t block_bytes = sh.format == ATRIUM_INTERLEAVED_Q4_1 ? 320 : 544, header = sh.format == ATRIUM_INTERLEAVED_Q4_1 ? 64 : 32;
        for (size_t o = 0; o < bytes; o += block_bytes)
            for (size_t j = 0; j < header; j += 2) { w[o + j] = 0; w[o + j + 1] = 0x2c; }
        float *x = malloc(sizeof(float) * tokens * sh.columns), *out = malloc(sizeof(float) * tokens * sh.rows);
        for (int i = 0; i < tokens * sh.columns; i++) x[i] = (float)((int)(next_random() % 2001) - 1000) / 1000;
        uint8_t *a = malloc(atrium_interleaved_activation_bytes(blocks) * tokens);
        atrium_interleaved_quantize(x, sh.columns, tokens, blocks, a);  // the active level: this one
        double best = 1e9;
        for (int round = 0; round < 7; round++) {
            const double start = now();
            for (int c = 0; c < sh.copies; c++)
                k->interleaved_gemm(sh.format, w + group_bytes * groups * c, groups, blocks, a, tokens, out, sh.rows);
            const double t = now() - start;
            if (t < best) best = t;
        }
        const double m = (double)sh.rows * sh.columns * tokens * sh.copies;
        printf("%-12s %2d tokens  %-13s %5d x %4d x %2d  %8.3f ms  %6.1f GMAC/s\n", level, tokens, sh.name, sh.rows,
               sh.columns, sh.copies, best * 1e3, m / best / 1e9);
        total += best;
        macs += m;
        free(w); free(x); free(a); free(out);
    }
    printf("%-12s %2d tokens  all matrices of a step: %.3f ms, %.1f GMAC/s, %.0f tokens/s on one thread\n\n", level,
           tokens, total * 1e3, macs / total / 1e9, tokens / total);
}

// One decoding step's attention for 8 sequences: 30 layers × 3 GQA groups × 8 tokens.
static void bench_attention(const atrium_kernel_table *k, const char *level, int count) {
    const int stride = 192;
    uint16_t *keys = malloc(2 * (size_t)stride * count), *values = malloc(2 * (size_t)stride * count);
    for (int i = 0; i < stride * count; i++) { keys[i] = (uint16_t)(0x3000 + (i * 7) % 1000); values[i] = (uint16_t)(0x3000 + (i * 13) % 1000); }
    static float queries[3 * 64], out[3 * 64], scores[3 * 4096];
    for (int i = 0; i < 3 * 64; i++) queries[i] = (float)(i % 17) / 17;
    const int calls = 720;
    double best = 1e9;
    for (int round = 0; round < 20; round++) {
        const double start = now();
        for (int i = 0; i < calls; i++)
            k->attend_group64(queries, 3, keys + 64 * (i % 3), values + 64 * (i % 3), stride, count, 0.125f, scores, 4096, out);
        const double t = now() - start;
        if (t < best) best = t;
    }
    printf("%-12s attention, 8 sequences x 30 layers x 3 groups at %4d positions: %.3f ms per step\n", level, count, best * 1e3);
    free(keys); free(values);
}

int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : NULL;
    const int only_tokens = argc > 2 ? atoi(argv[2]) : 0;
    for (int isa = 0; isa < ATRIUM_ISA_COUNT; isa++) {
        const atrium_kernel_table *k = atrium_kernel_table_for(isa);
        if (!k || !k->interleaved_gemm || (only && strcmp(only, atrium_isa_name(isa)) != 0)) continue;
        atrium_isa_select(isa);
        const int token_counts[] = {1, 8, 64};
        for (int i = 0; i < 3; i++)
            if (!only_tokens || only_tokens == token_counts[i]) bench_gemm(k, atrium_isa_name(isa), token_counts[i]);
        bench_attention(k, atrium_isa_name(isa), 160);
        printf("\n");
    }
    return 0;
}
