// The kernels for AVX-512 F/BW/VL/VNNI (x86_template.h has them), and those of the AVX-512 AMX
// level, which are the same but for the int16 GEMM.
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

// Both AVX-512 levels' tables: the AMX one differs only in the int16 GEMM and its layout.
#define AVX512_TABLE(level, gemm_i16_kernel, layout)                                                              \
    {                                                                                                              \
        .isa = (level), .gemm_q4_1_q8_1 = gemm_q4_1_q8_1, .gemm_q8_0_q8_0 = gemm_q8_0_q8_0,                        \
        .attend_head = attend_head, .attend_group64 = attend_group64, .interleaved_quantize = interleaved_quantize, \
        .interleaved_gemm = interleaved_gemm, .gemm_i16 = (gemm_i16_kernel), .i16_layout = (layout),               \
        .bert_attend = bert_attend,                                                                                \
    }

const atrium_kernel_table atrium_table_avx512_vnni = AVX512_TABLE(ATRIUM_ISA_AVX512_VNNI, gemm_i16, &atrium_i16_pairs);

// The sentence encoder's int16 products on AMX tiles (int16_gemm_amx.c).
const atrium_kernel_table atrium_table_avx512_amx =
    AVX512_TABLE(ATRIUM_ISA_AVX512_AMX, atrium_amx_gemm_i16, &atrium_i16_amx_tiles);
#endif
