// The per-ISA kernel tables (internal to CKernels; dispatch.c chooses among them).
#ifndef ATRIUM_KERNEL_TABLES_H
#define ATRIUM_KERNEL_TABLES_H

#include "CKernels.h"

extern const atrium_kernel_table atrium_table_scalar;
#if defined(__x86_64__)
extern const atrium_kernel_table atrium_table_avx2;
extern const atrium_kernel_table atrium_table_avx2_vnni;
extern const atrium_kernel_table atrium_table_avx512_vnni;
extern const atrium_kernel_table atrium_table_avx512_amx;

// The int16 GEMM on AMX tiles and its layout (int16_gemm_amx.c).
extern const atrium_i16_layout atrium_i16_amx_tiles;
void atrium_amx_gemm_i16(const int16_t *packed, const float *weight_scales, const float *bias, int rows, int columns,
                         int first_panel, int panels, const int16_t *activations, const float *activation_scales,
                         int tokens, float *out, size_t out_stride);
// Asks the OS for the tiles' register state (once per process); whether it was granted.
int atrium_amx_request(void);
#endif
#if defined(__aarch64__)
extern const atrium_kernel_table atrium_table_neon_dotprod;
#endif

// The scalar attention kernels, which the NEON level shares.
void atrium_scalar_attend_head(const float *query, const uint16_t *keys, const uint16_t *values, size_t kv_stride,
                               int count, int head_dim, float scale, float *scores, float *out);
void atrium_scalar_attend_group64(const float *queries, int heads, const uint16_t *keys, const uint16_t *values,
                                  size_t kv_stride, int count, float scale, float *scores, size_t scores_stride,
                                  float *out);

// The scalar int16 GEMM (int16_gemm.c), which the NEON level shares.
void atrium_scalar_gemm_i16(const int16_t *packed, const float *weight_scales, const float *bias, int rows,
                            int columns, int first_panel, int panels, const int16_t *activations,
                            const float *activation_scales, int tokens, float *out, size_t out_stride);

// The scalar sentence-encoder attention (scalar.c), which the NEON level shares.
void atrium_scalar_bert_attend(const float *queries, size_t row_stride, size_t hidden, int length, int head_size,
                               float scale, float *scratch, float *out);

// Layout constants of the interleaved kernels (interleaved.c describes the layout).
#define GROUP_ROWS 16
#define Q4_GROUP_BLOCK_BYTES 320
#define Q8_GROUP_BLOCK_BYTES 544
#define META_BYTES 16

#endif
