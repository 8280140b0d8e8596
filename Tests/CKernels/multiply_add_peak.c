// The most multiply-adds one core can do per second with each x86 instruction the embedding
// kernels use, so that a kernel's speed can be read as a share of what the core allows (and
// so that a claim like "no integer path beats float32 on this CPU" can be checked on it).
// Ten independent accumulators per loop hide every latency; the thread's CPU time is used,
// best of three rounds, so other processes on a busy machine move the figures less.
// scripts/bench-multiply-add-peak builds and runs it.
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define ROUNDS 20000000L
#define TEN(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9)
#define CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12"
#define FMA_Y(i) "vfmadd231ps %%ymm14, %%ymm15, %%ymm" #i "\n"
#define FMA_Z(i) "vfmadd231ps %%zmm14, %%zmm15, %%zmm" #i "\n"
#define MADD_Y(i) "vpmaddwd %%ymm14, %%ymm15, %%ymm" #i "\n"
#define MADD_ADD_Y(i) "vpmaddwd %%ymm14, %%ymm15, %%ymm10\n vpaddd %%ymm10, %%ymm" #i ", %%ymm" #i "\n"
#define MADDUBS_Y(i) "vpmaddubsw %%ymm14, %%ymm15, %%ymm" #i "\n"
#define VNNI_Y(i) "%{vex%} vpdpwssd %%ymm14, %%ymm15, %%ymm" #i "\n"
#define VNNI_Z(i) "vpdpwssd %%zmm14, %%zmm15, %%zmm" #i "\n"

// Each measures ten instructions (or instruction pairs) per loop turn, ROUNDS turns.
#define MEASURE(name, body)                                                         \
    static double name(void) {                                                      \
        double best = 1e9;                                                          \
        for (int round = 0; round < 3; round++) {                                   \
            const double start = now();                                             \
            for (long n = 0; n < ROUNDS; n++) __asm__ volatile(body ::: CLOBBERS);  \
            const double seconds = now() - start;                                   \
            if (seconds < best) best = seconds;                                     \
        }                                                                           \
        return ROUNDS * 10.0 / best;                                                \
    }
MEASURE(fma_ymm, TEN(FMA_Y))
MEASURE(madd_ymm, TEN(MADD_Y))
MEASURE(madd_add_ymm, TEN(MADD_ADD_Y))
MEASURE(maddubs_ymm, TEN(MADDUBS_Y))
MEASURE(vnni_ymm, TEN(VNNI_Y))
MEASURE(fma_zmm, TEN(FMA_Z))
MEASURE(vnni_zmm, TEN(VNNI_Z))

static double float32_rate;

static void report(const char *what, double instructions, int macs) {
    const double rate = instructions * macs;
    if (float32_rate == 0) float32_rate = rate;
    printf("%-52s %6.2f G/s x %2d = %6.1f G multiply-adds/s  (%.2fx float32 ymm)\n", what, instructions / 1e9, macs,
           rate / 1e9, rate / float32_rate);
}

int main(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        puts("this CPU has no AVX2 and FMA: nothing to measure");
        return 0;
    }
    report("float32  vfmadd231ps ymm (AVX2 FMA)", fma_ymm(), 8);
    report("int16    vpmaddwd ymm alone", madd_ymm(), 16);
    report("int16    vpmaddwd + vpaddd ymm (AVX2's int16 step)", madd_add_ymm(), 16);
    report("int8     vpmaddubsw ymm alone (its sums need more)", maddubs_ymm(), 32);
    if (__builtin_cpu_supports("avxvnni")) report("int16    vpdpwssd ymm (AVX-VNNI)", vnni_ymm(), 16);
    if (__builtin_cpu_supports("avx512f")) report("float32  vfmadd231ps zmm (AVX-512)", fma_zmm(), 16);
    if (__builtin_cpu_supports("avx512vnni")) report("int16    vpdpwssd zmm (AVX-512 VNNI)", vnni_zmm(), 32);
    return 0;
}
