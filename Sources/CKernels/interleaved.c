// Quantized matrix products on weights interleaved by 16 rows, for AVX-512 VNNI (and, on the
// same layout, AVX2 and AVX-VNNI with 8 rows per instruction: x86_template.h has the kernels).
//
// The row-major kernels in kernels.c compute one dot product per (row, token) and reduce
// each in its own register. Batched decoding multiplies the same weights by 8–16 tokens,
// and there the reductions, not the loads, cost most. Here the weights of 16 rows are stored
// so that one 64-byte load holds four consecutive elements of each of the 16 rows: one
// `vpdpbusd` with a token's four activation bytes broadcast then advances 16 dot products at
// once, and the result of a block is already a vector of 16 outputs — no reduction at all.
//
// Layout of one 16-row group, block after block (32 elements per block):
//   Q4_1: 16 × f16 d, 16 × f16 m, then 4 chunks of 64 bytes: chunk c, 32-bit lane r holds the
//         bytes qs[4c … 4c+3] of row r (low nibbles: elements 4c…4c+3, high: 16+4c…16+4c+3);
//         320 bytes per block, as many as the 16 rows' Q4_1 blocks.
//   Q8_0: 16 × f16 d, then 8 chunks of 64 bytes: chunk c, lane r holds q[4c … 4c+3] + 128 of
//         row r, as unsigned bytes (vpdpbusd multiplies unsigned by signed); 544 bytes.
// Activations, per token: `blocks` × 32 signed bytes, then `blocks` × {d, s, bias, 0}:
// d and s = d·Σq rounded to float16 and back as llama.cpp's Q8_1 stores them, and
// bias = −128·Σq, the exact correction for the +128 of Q8_0 weights.
//
// Every token's outputs are computed by the same instructions in the same order whatever
// the number of tokens, so a sequence's logits do not depend on what it is batched with.
#include "kernel_tables.h"

#include <string.h>

int atrium_interleaved_available(void) { return atrium_kernels_active()->interleaved_gemm != NULL; }

size_t atrium_interleaved_activation_bytes(int blocks) { return (size_t)blocks * (32 + META_BYTES); }

size_t atrium_interleaved_group_bytes(int format, int blocks) {
    return (size_t)blocks * (format == ATRIUM_INTERLEAVED_Q4_1 ? Q4_GROUP_BLOCK_BYTES : Q8_GROUP_BLOCK_BYTES);
}

void atrium_interleave_q4_1(const uint8_t *rows, size_t row_bytes, int blocks, uint8_t *out) {
    for (int b = 0; b < blocks; b++) {
        uint8_t *block = out + (size_t)b * Q4_GROUP_BLOCK_BYTES;
        for (int r = 0; r < GROUP_ROWS; r++) {
            const uint8_t *source = rows + r * row_bytes + b * 20;
            memcpy(block + 2 * r, source, 2);       // d
            memcpy(block + 32 + 2 * r, source + 2, 2);  // m
            for (int c = 0; c < 4; c++) memcpy(block + 64 + 64 * c + 4 * r, source + 4 + 4 * c, 4);
        }
    }
}

void atrium_interleave_q8_0(const uint8_t *rows, size_t row_bytes, int blocks, uint8_t *out) {
    for (int b = 0; b < blocks; b++) {
        uint8_t *block = out + (size_t)b * Q8_GROUP_BLOCK_BYTES;
        for (int r = 0; r < GROUP_ROWS; r++) {
            const uint8_t *source = rows + r * row_bytes + b * 34;
            memcpy(block + 2 * r, source, 2);
            for (int c = 0; c < 8; c++)
                for (int i = 0; i < 4; i++) block[32 + 64 * c + 4 * r + i] = (uint8_t)(source[2 + 4 * c + i] ^ 0x80);
        }
    }
}

// The active level's kernels; a level without them (scalar, NEON) leaves `out` as it was.
void atrium_interleaved_quantize(const float *input, size_t input_stride, int tokens, int blocks, uint8_t *out) {
    const atrium_kernel_table *table = atrium_kernels_active();
    if (table->interleaved_quantize) table->interleaved_quantize(input, input_stride, tokens, blocks, 0, blocks, out);
}

void atrium_interleaved_gemm(int format, const uint8_t *weights, int groups, int blocks,
                             const uint8_t *activations, int tokens, float *out, size_t out_stride) {
    const atrium_kernel_table *table = atrium_kernels_active();
    if (table->interleaved_gemm) table->interleaved_gemm(format, weights, groups, blocks, activations, tokens, out, out_stride);
}
