#define _GNU_SOURCE  // sched_getaffinity, CPU_COUNT_S
// Which kernels run: every ISA level is compiled into the binary (scalar.c, isa_*.c, neon.c),
// and the first call picks the fastest one this CPU can run — or the one `ATRIUM_KERNELS`
// names, to test or measure a slower level on a faster machine. The plain `atrium_*` kernel
// functions run the picked level; `atrium_kernel_table_for` hands out any runnable one.
#include "kernel_tables.h"

#include <stdatomic.h>
#if defined(__linux__)
#include <sched.h>
#endif
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

static const char *const names[ATRIUM_ISA_COUNT] = {"scalar", "avx2", "avx2-vnni", "avx512-vnni", "neon-dotprod",
                                                          "avx512-amx"};

const char *atrium_isa_name(int isa) { return isa >= 0 && isa < ATRIUM_ISA_COUNT ? names[isa] : NULL; }

int atrium_isa_named(const char *name) {
    if (!name) return -1;
    for (int isa = 0; isa < ATRIUM_ISA_COUNT; isa++)
        if (strcmp(name, names[isa]) == 0) return isa;
    return -1;
}

#if defined(__x86_64__)
// The register state the OS saves on a context switch (XCR0): a CPU feature is usable only if
// the OS also saves its registers.
static uint64_t saved_state(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static int cpu_runs(int isa) {
    unsigned a, b, c, d;
    if (isa == ATRIUM_ISA_SCALAR) return 1;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1, avx = (c >> 28) & 1;
    if (!(osxsave && fma && f16c && avx)) return 0;
    const uint64_t state = saved_state();
    if ((state & 0x6) != 0x6) return 0;  // SSE and AVX registers
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1,
              avx512vl = (b >> 31) & 1, avx512vnni = (c >> 11) & 1;
    if (!avx2) return 0;
    switch (isa) {
    case ATRIUM_ISA_AVX2: return 1;
    case ATRIUM_ISA_AVX2_VNNI: {
        unsigned a1, b1, c1, d1;
        if (!__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) return 0;
        return (a1 >> 4) & 1;  // AVX-VNNI
    }
    case ATRIUM_ISA_AVX512_VNNI:
        return avx512f && avx512dq && avx512bw && avx512vl && avx512vnni && (state & 0xE0) == 0xE0;  // opmask, ZMM
    case ATRIUM_ISA_AVX512_AMX: {
        const int amx_tile = (d >> 24) & 1, amx_int8 = (d >> 25) & 1;
        if (!(cpu_runs(ATRIUM_ISA_AVX512_VNNI) && amx_tile && amx_int8 && (state & 0x60000) == 0x60000)) return 0;
        // The OS lends the tiles' state only on request; asked once, the answer kept.
        static _Atomic int granted = -1;
        int answer = atomic_load(&granted);
        if (answer < 0) {
            answer = atrium_amx_request();
            atomic_store(&granted, answer);
        }
        return answer;
    }
    default: return 0;
    }
}

static const atrium_kernel_table *compiled(int isa) {
    switch (isa) {
    case ATRIUM_ISA_SCALAR: return &atrium_table_scalar;
    case ATRIUM_ISA_AVX2: return &atrium_table_avx2;
    case ATRIUM_ISA_AVX2_VNNI: return &atrium_table_avx2_vnni;
    case ATRIUM_ISA_AVX512_VNNI: return &atrium_table_avx512_vnni;
    case ATRIUM_ISA_AVX512_AMX: return &atrium_table_avx512_amx;
    default: return NULL;
    }
}
#elif defined(__aarch64__)
static int cpu_runs(int isa) {
    if (isa == ATRIUM_ISA_SCALAR) return 1;
#if defined(__linux__)
    if (isa == ATRIUM_ISA_NEON_DOTPROD) return (getauxval(AT_HWCAP) >> 20) & 1;  // HWCAP_ASIMDDP
#elif defined(__APPLE__)
    if (isa == ATRIUM_ISA_NEON_DOTPROD) return 1;  // every Apple CPU has the dot product
#endif
    return 0;
}

static const atrium_kernel_table *compiled(int isa) {
    switch (isa) {
    case ATRIUM_ISA_SCALAR: return &atrium_table_scalar;
    case ATRIUM_ISA_NEON_DOTPROD: return &atrium_table_neon_dotprod;
    default: return NULL;
    }
}
#else
static int cpu_runs(int isa) { return isa == ATRIUM_ISA_SCALAR; }
static const atrium_kernel_table *compiled(int isa) { return isa == ATRIUM_ISA_SCALAR ? &atrium_table_scalar : NULL; }
#endif

const atrium_kernel_table *atrium_kernel_table_for(int isa) {
    const atrium_kernel_table *table = compiled(isa);
    return table && cpu_runs(isa) ? table : NULL;
}

int atrium_isa_best(void) {
    for (int isa = ATRIUM_ISA_COUNT - 1; isa > ATRIUM_ISA_SCALAR; isa--)
        if (atrium_kernel_table_for(isa)) return isa;
    return ATRIUM_ISA_SCALAR;
}

int atrium_isa_requested(void) {
    const char *value = getenv("ATRIUM_KERNELS");
    if (!value || !*value || strcmp(value, "auto") == 0) return -1;
    const int isa = atrium_isa_named(value);
    return isa >= 0 ? isa : -2;
}

static _Atomic(const atrium_kernel_table *) active;

const atrium_kernel_table *atrium_kernels_active(void) {
    const atrium_kernel_table *table = atomic_load_explicit(&active, memory_order_acquire);
    if (table) return table;
    const int requested = atrium_isa_requested();
    table = requested >= 0 ? atrium_kernel_table_for(requested) : NULL;
    if (!table) table = atrium_kernel_table_for(atrium_isa_best());
    // Two first callers pick the same table; whichever stores first wins, and both agree.
    const atrium_kernel_table *expected = NULL;
    if (!atomic_compare_exchange_strong(&active, &expected, table)) table = expected;
    return table;
}

int atrium_isa_select(int isa) {
    const atrium_kernel_table *table = atrium_kernel_table_for(isa);
    if (!table) return -1;
    atomic_store_explicit(&active, table, memory_order_release);
    return 0;
}

int atrium_kernels_vectorized(void) { return atrium_kernels_active()->isa != ATRIUM_ISA_SCALAR; }

// How many threads a pool should run: what the kernels above get to run on.
int atrium_allowed_cpus(void) {
#if defined(__linux__)
    cpu_set_t mask;
    if (sched_getaffinity(0, sizeof mask, &mask) == 0) return CPU_COUNT(&mask);
#endif
    return 0;
}

// The plain entry points (CKernels.h) run the active level.

void atrium_gemm_q4_1_q8_1(const uint8_t *weights, size_t row_bytes, int rows, const uint8_t *activations,
                           size_t act_bytes, int tokens, int blocks, float *out, size_t out_stride) {
    atrium_kernels_active()->gemm_q4_1_q8_1(weights, row_bytes, rows, activations, act_bytes, tokens, blocks, out,
                                            out_stride);
}

void atrium_gemm_q8_0_q8_0(const uint8_t *weights, size_t row_bytes, int rows, const uint8_t *activations,
                           size_t act_bytes, int tokens, int blocks, float *out, size_t out_stride) {
    atrium_kernels_active()->gemm_q8_0_q8_0(weights, row_bytes, rows, activations, act_bytes, tokens, blocks, out,
                                            out_stride);
}

void atrium_attend_head(const float *query, const uint16_t *keys, const uint16_t *values, size_t kv_stride,
                        int count, int head_dim, float scale, float *scores, float *out) {
    atrium_kernels_active()->attend_head(query, keys, values, kv_stride, count, head_dim, scale, scores, out);
}

void atrium_attend_group64(const float *queries, int heads, const uint16_t *keys, const uint16_t *values,
                           size_t kv_stride, int count, float scale, float *scores, size_t scores_stride,
                           float *out) {
    atrium_kernels_active()->attend_group64(queries, heads, keys, values, kv_stride, count, scale, scores,
                                            scores_stride, out);
}

void atrium_bert_attend(const float *queries, size_t row_stride, size_t hidden, int length, int head_size, float scale,
                        float *scratch, float *out) {
    atrium_kernels_active()->bert_attend(queries, row_stride, hidden, length, head_size, scale, scratch, out);
}
