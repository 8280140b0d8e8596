// The kernels for AVX2 (x86_template.h has them).
#if defined(__x86_64__)
#include "kernel_tables.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#include "x86_template.h"
#include "int16_gemm_x86.h"
#pragma clang attribute pop

const atrium_kernel_table atrium_table_avx2 = {
    .isa = ATRIUM_ISA_AVX2,
    .gemm_q4_1_q8_1 = gemm_q4_1_q8_1,
    .gemm_q8_0_q8_0 = gemm_q8_0_q8_0,
    .attend_head = attend_head,
    .attend_group64 = attend_group64,
    .interleaved_quantize = interleaved_quantize,
    .interleaved_gemm = interleaved_gemm,
    .gemm_i16 = gemm_i16,
    .i16_layout = &atrium_i16_pairs,
    .bert_attend = bert_attend,
};
#endif
