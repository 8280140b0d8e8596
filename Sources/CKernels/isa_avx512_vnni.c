// The kernels for AVX-512 F/BW/VL/VNNI (x86_template.h has them).
#if defined(__x86_64__)
#include "kernel_tables.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#define LEVEL_AVX512 1
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni"))), apply_to = function)
#include "x86_template.h"
#include "int16_gemm_x86.h"
#pragma clang attribute pop

const atrium_kernel_table atrium_table_avx512_vnni = {
    .isa = ATRIUM_ISA_AVX512_VNNI,
    .gemm_q4_1_q8_1 = gemm_q4_1_q8_1,
    .gemm_q8_0_q8_0 = gemm_q8_0_q8_0,
    .attend_head = attend_head,
    .attend_group64 = attend_group64,
    .interleaved_quantize = interleaved_quantize,
    .interleaved_gemm = interleaved_gemm,
    .gemm_i16 = gemm_i16,
    .bert_attend = bert_attend,
};
#endif
