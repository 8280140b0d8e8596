// The int16 GEMM of int16_gemm.c on AMX tiles (AMX-TILE and AMX-INT8: Intel Xeon since Sapphire
// Rapids), for the `avx512-amx` level: the same rounded integers and the same exact int32 sums,
// so every output is the scalar reference's to the bit, at 16 × 16 × 64 byte products per
// tile instruction where AVX-512 VNNI's `vpdpwssd` does 32 word products.
//
// AMX multiplies bytes, so each 16-bit factor is split into its low byte (unsigned) and its high
// byte (signed): a·w = 65536·a_hi·w_hi + 256·(a_hi·w_lo + a_lo·w_hi) + a_lo·w_lo. Four tile
// products (`tdpbuud`, `tdpbusd`, `tdpbsud`, `tdpbssd`) sum the parts in three int32 tiles and
// the epilogue adds them shifted. Each part fits int32 (|Σ a_lo·w_lo| ≤ 2048·255·255), and the
// whole does for the reason int16_gemm.c gives, so wrapping int32 arithmetic makes it exact.
// Four byte products per word product is the least that holds 12-bit inputs and 10-bit weights;
// with eight tile registers, three sums and two operands of each kind leave no room for
// blocking, so the tile loads (four per four products), not the multiplier, bound the speed:
// 1.6–2.9× the AVX-512 VNNI kernel on the encoder's shapes (README, "One binary, every CPU").
//
// Layouts (this level's own, `atrium_i16_amx_tiles`):
// - weights: per panel of 16 rows, per block of 64 columns (columns zero-padded to whole
//   blocks), the low-byte tile then the high-byte tile, each 16 lines of 64 bytes: line k holds,
//   for each of the 16 rows in turn, the row's columns 4k … 4k+3 of the block (AMX's B operand);
// - inputs: per group of 16 tokens (rows past the last token zero), the low bytes
//   `[16][blocks·64]` then the high bytes, columns zero-padded like the weights'.
#if defined(__x86_64__)
#define _GNU_SOURCE  // syscall
#include "kernel_tables.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define AMX_BLOCK 64                     // columns per tile line: the reduction of one product
#define AMX_GROUP 16                     // tokens per input tile
#define AMX_TILE_BYTES 1024              // 16 lines of 64 bytes
#define AMX_PAIR_BYTES (2 * AMX_TILE_BYTES)  // a block's low and high tiles

static int amx_blocks(int columns) { return (columns + AMX_BLOCK - 1) / AMX_BLOCK; }

// Linux lends a process the tiles' 8 KB of register state only when asked (arch_prctl
// ARCH_REQ_XCOMP_PERM for XTILEDATA, Linux 5.16 and later); a tile instruction faults without it.
int atrium_amx_request(void) {
#if defined(__linux__)
    return syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XFEATURE_XTILEDATA */) == 0;
#else
    return 0;
#endif
}

static size_t amx_packed_count(int rows, int columns) {
    const size_t panels = (size_t)((rows + ATRIUM_I16_PANEL - 1) / ATRIUM_I16_PANEL);
    return panels * amx_blocks(columns) * AMX_PAIR_BYTES / sizeof(int16_t);
}

static size_t amx_activation_count(int tokens, int columns) {
    const size_t groups = (size_t)((tokens + AMX_GROUP - 1) / AMX_GROUP);
    return groups * 2 * AMX_GROUP * amx_blocks(columns) * AMX_BLOCK / sizeof(int16_t);
}

// Rounded as every level rounds (the pairs layout), then laid out in byte tiles.
static void amx_pack_weights(const float *weights, int rows, int columns, int16_t *packed, float *scales) {
    int16_t *pairs = malloc(atrium_i16_packed_count(rows, columns) * sizeof *pairs);
    if (!pairs) abort();
    atrium_i16_pack_weights(weights, rows, columns, pairs, scales);
    const int panels = (rows + ATRIUM_I16_PANEL - 1) / ATRIUM_I16_PANEL, blocks = amx_blocks(columns);
    uint8_t *bytes = (uint8_t *)packed;
    memset(bytes, 0, amx_packed_count(rows, columns) * sizeof(int16_t));
    for (int p = 0; p < panels; p++)
        for (int c = 0; c < columns; c++)
            for (int n = 0; n < ATRIUM_I16_PANEL; n++) {
                const int16_t w =
                    pairs[(size_t)p * ATRIUM_I16_PANEL * columns + (size_t)(c / 2) * 2 * ATRIUM_I16_PANEL + n * 2 + c % 2];
                uint8_t *tile = bytes + ((size_t)p * blocks + c / AMX_BLOCK) * AMX_PAIR_BYTES;
                const size_t at = (size_t)(c % AMX_BLOCK / 4) * 64 + (size_t)n * 4 + c % 4;
                tile[at] = (uint8_t)(w & 0xFF);
                tile[AMX_TILE_BYTES + at] = (uint8_t)(int8_t)(w >> 8);
            }
    free(pairs);
}

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,amx-tile,amx-int8"))), apply_to = function)

// Each token rounded as every level rounds it, then split into its two byte planes.
static void amx_quantize(const float *input, size_t input_stride, int tokens, int columns, int16_t *out,
                         float *scales) {
    const int padded = amx_blocks(columns) * AMX_BLOCK;
    int16_t row[ATRIUM_I16_MAX_COLUMNS + AMX_BLOCK];
    uint8_t *bytes = (uint8_t *)out;
    for (int g = 0; g * AMX_GROUP < tokens; g++) {
        uint8_t *lo = bytes + (size_t)g * 2 * AMX_GROUP * padded, *hi = lo + (size_t)AMX_GROUP * padded;
        for (int r = 0; r < AMX_GROUP; r++) {
            const int t = g * AMX_GROUP + r;
            memset(row, 0, (size_t)padded * sizeof *row);
            if (t < tokens) atrium_i16_quantize(input + (size_t)t * input_stride, input_stride, 1, columns, row, scales + t);
            for (int c = 0; c < padded; c += 32) {
                const __m512i q = _mm512_loadu_si512((const void *)(row + c));
                _mm256_storeu_si256((__m256i *)(lo + (size_t)r * padded + c), _mm512_cvtepi16_epi8(q));
                _mm256_storeu_si256((__m256i *)(hi + (size_t)r * padded + c), _mm512_cvtepi16_epi8(_mm512_srai_epi16(q, 8)));
            }
        }
    }
}

// The tile configuration (palette 1): every tile 16 lines of 64 bytes.
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
} tile_config;

void atrium_amx_gemm_i16(const int16_t *packed, const float *weight_scales, const float *bias, int rows, int columns,
                         int first_panel, int panels, const int16_t *activations, const float *activation_scales,
                         int tokens, float *out, size_t out_stride) {
    const int blocks = amx_blocks(columns), padded = blocks * AMX_BLOCK;
    // Tiles 0, 1, 2: the sums lo·lo, lo·hi + hi·lo, hi·hi; 4, 5: input bytes; 6, 7: weight bytes.
    tile_config config = {.palette = 1};
    for (int t = 0; t < 8; t++) {
        config.bytes_per_row[t] = 64;
        config.rows[t] = 16;
    }
    _tile_loadconfig(&config);
    int32_t sums[3][AMX_GROUP][ATRIUM_I16_PANEL] __attribute__((aligned(64)));
    const uint8_t *input_bytes = (const uint8_t *)activations, *weight_bytes = (const uint8_t *)packed;
    // A group's inputs (16 tokens) stay in cache while the panels' weights pass by.
    for (int g = 0; g * AMX_GROUP < tokens; g++) {
        const uint8_t *lo = input_bytes + (size_t)g * 2 * AMX_GROUP * padded, *hi = lo + (size_t)AMX_GROUP * padded;
        const int count = tokens - g * AMX_GROUP < AMX_GROUP ? tokens - g * AMX_GROUP : AMX_GROUP;
        for (int p = first_panel; p < first_panel + panels; p++) {
            const uint8_t *w = weight_bytes + (size_t)p * blocks * AMX_PAIR_BYTES;
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            for (int k = 0; k < blocks; k++) {
                _tile_loadd(4, lo + k * AMX_BLOCK, padded);
                _tile_loadd(6, w + (size_t)k * AMX_PAIR_BYTES, 64);
                _tile_loadd(5, hi + k * AMX_BLOCK, padded);
                _tile_loadd(7, w + (size_t)k * AMX_PAIR_BYTES + AMX_TILE_BYTES, 64);
                _tile_dpbuud(0, 4, 6);
                _tile_dpbusd(1, 4, 7);
                _tile_dpbssd(2, 5, 7);
                _tile_dpbsud(1, 5, 6);
            }
            _tile_stored(0, sums[0], 64);
            _tile_stored(1, sums[1], 64);
            _tile_stored(2, sums[2], 64);
            // The scalar reference's epilogue: fma of the sum, the token's scale times the row's, and the bias.
            const int row0 = p * ATRIUM_I16_PANEL;
            const int live = rows - row0 < ATRIUM_I16_PANEL ? rows - row0 : ATRIUM_I16_PANEL;
            const __m512 sw = _mm512_loadu_ps(weight_scales + row0), b = _mm512_loadu_ps(bias + row0);
            for (int t = 0; t < count; t++) {
                const __m512i sum = _mm512_add_epi32(
                    _mm512_add_epi32(_mm512_slli_epi32(_mm512_load_si512(sums[2][t]), 16),
                                     _mm512_slli_epi32(_mm512_load_si512(sums[1][t]), 8)),
                    _mm512_load_si512(sums[0][t]));
                const int token = g * AMX_GROUP + t;
                const __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum),
                                                 _mm512_mul_ps(_mm512_set1_ps(activation_scales[token]), sw), b);
                float *o = out + (size_t)token * out_stride + row0;
                if (live == ATRIUM_I16_PANEL) _mm512_storeu_ps(o, v);
                else _mm512_mask_storeu_ps(o, (__mmask16)((1u << live) - 1), v);
            }
        }
    }
    // Back to the initial state, so the thread's context switches stop saving 8 KB of tiles.
    _tile_release();
}
#pragma clang attribute pop

const atrium_i16_layout atrium_i16_amx_tiles = {
    .packed_count = amx_packed_count,
    .pack_weights = amx_pack_weights,
    .activation_count = amx_activation_count,
    .quantize = amx_quantize,
};
#endif
