// The sentence encoder's self-attention, one (sequence, head) at a time: softmax(q·kᵀ·scale)·v
// over a packed batch, for every ISA level from one body. The file that includes it defines
// `v16` (sixteen float lanes: a zmm, two ymm, or an array) and the v16_* operations below;
// every operation is exact lane by lane (fused multiply-adds stay fused, the rest is one IEEE
// operation each, and the two horizontal reductions have one fixed order), so every level
// computes the same bits, and an embedding does not depend on the CPU that made it.
//
// Per (sequence, head): the keys are copied transposed into [head_size][key_columns] (zero
// past `length`), so that scores come out sixteen keys per vector, and the values into
// sixteen-wide panels [head_size / 16][length][16], so that both products stream contiguous
// vectors instead of rows 3·hidden floats apart (which alias in L1). Queries go six at a
// time, so their scores stay in L1 from the product to the weights.
//
// Scratch: bert_attend_scratch(length, head_size) floats.
//
// Needs, from the includer: v16 v16_zero(void), v16_set1(float), v16_load(const float *),
// void v16_store(float *, v16), v16_fma(a, b, c) (a·b + c, fused), v16_mul, v16_add, v16_sub,
// v16_max(a, b) (a > b ? a : b), v16_exp (x86_template.h's exp16: clamp to [−87.3, 88],
// x = n·ln2 + r, Cephes' polynomial, times 2^n), v16_first(v, count, filler) (lanes ≥ count
// set to filler), float v16_largest(v), float v16_sum(v) (-0 + v[0] + … + v[15] in lane order).

#define BERT_ROWS 6

// Floats of scratch for sequences of up to `length` tokens: transposed keys and value panels
// (head_size · key_columns each), BERT_ROWS rows of scores, the inverse sums (16 floats, so
// that scratch of this size repeated keeps 64-byte alignment).
static inline size_t bert_attend_scratch(int length, int head_size) {
    const size_t key_columns = (size_t)(length + 15) / 16 * 16;
    return 2 * (size_t)head_size * key_columns + BERT_ROWS * key_columns + 16;
}

// row[j] = e^(s_j·scale − max) for j < count; returns 1 / Σ_j row[j], so row · inverse is the
// softmax. The row is readable and writable up to count rounded up to 16.
static inline float bert_exponentiate(float *row, int count, float scale) {
    const int vectors = (count + 15) / 16, tail = count - (vectors - 1) * 16;
    const v16 factor = v16_set1(scale);
    v16 maximum = v16_set1(-INFINITY);
    for (int i = 0; i < vectors; i++) {
        v16 scores = v16_mul(v16_load(row + 16 * i), factor);
        if (i == vectors - 1) scores = v16_first(scores, tail, -INFINITY);
        maximum = v16_max(maximum, scores);
    }
    const v16 shift = v16_set1(v16_largest(maximum));
    v16 sum = v16_zero();
    for (int i = 0; i < vectors; i++) {
        v16 exponentials = v16_exp(v16_sub(v16_mul(v16_load(row + 16 * i), factor), shift));
        if (i == vectors - 1) exponentials = v16_first(exponentials, tail, 0.0f);
        sum = v16_add(sum, exponentials);
        v16_store(row + 16 * i, exponentials);
    }
    return 1.0f / v16_sum(sum);
}

// acc[r] += Σ_k a[r][k] · b[k][0..<16] for k < depth and r < BERT_ROWS (rows past `rows` read
// row 0; their sums are never stored).
static inline void bert_tile(v16 acc[BERT_ROWS], const float *a, size_t a_stride, int rows, const float *b,
                             size_t b_stride, int depth) {
    const float *row[BERT_ROWS];
    for (int r = 0; r < BERT_ROWS; r++) row[r] = r < rows ? a + r * a_stride : a;
    for (int k = 0; k < depth; k++) {
        const v16 w = v16_load(b + k * b_stride);
        for (int r = 0; r < BERT_ROWS; r++) acc[r] = v16_fma(v16_set1(row[r][k]), w, acc[r]);
    }
}

// `queries`: the head's query of the sequence's first token; keys and values are `hidden` and
// 2·hidden floats after it, rows `row_stride` apart. `out`: the head's context of the first
// token, rows `hidden` apart.
static void bert_attend(const float *queries, size_t row_stride, size_t hidden, int length, int head_size,
                        float scale, float *scratch, float *out) {
    const int key_columns = (length + 15) / 16 * 16;
    float *keys_by_dimension = scratch;                            // [head_size][key_columns]
    float *values = scratch + (size_t)head_size * key_columns;     // [head_size / 16][length][16]
    float *scores = values + (size_t)head_size * key_columns;      // [BERT_ROWS][key_columns]
    float *inverse_sums = scores + (size_t)BERT_ROWS * key_columns;  // [BERT_ROWS]
    for (int d = 0; d < head_size; d++) {
        const float *key = queries + hidden + d;
        float *column = keys_by_dimension + (size_t)d * key_columns;
        for (int j = 0; j < length; j++) column[j] = key[j * row_stride];
        for (int j = length; j < key_columns; j++) column[j] = 0;
    }
    for (int j = 0; j < length; j++)
        for (int panel = 0; panel < head_size / 16; panel++)
            memcpy(values + ((size_t)panel * length + j) * 16, queries + 2 * hidden + j * row_stride + 16 * panel,
                   16 * sizeof(float));

    for (int query = 0; query < length; query += BERT_ROWS) {
        const int rows = length - query < BERT_ROWS ? length - query : BERT_ROWS;
        const float *q = queries + query * row_stride;
        for (int panel = 0; panel < key_columns / 16; panel++) {  // scores[i][j] = q_i · k_j
            v16 acc[BERT_ROWS];
            for (int r = 0; r < BERT_ROWS; r++) acc[r] = v16_zero();
            bert_tile(acc, q, row_stride, rows, keys_by_dimension + 16 * panel, key_columns, head_size);
            for (int r = 0; r < rows; r++) v16_store(scores + r * key_columns + 16 * panel, acc[r]);
        }
        for (int r = 0; r < rows; r++) inverse_sums[r] = bert_exponentiate(scores + r * key_columns, length, scale);
        // context_i = Σ_j p_ij · v_j with p_ij = e_ij / Σ_j e_ij: dividing the outputs of a row
        // saves a pass over its `length` weights.
        for (int panel = 0; panel < head_size / 16; panel++) {
            v16 acc[BERT_ROWS];
            for (int r = 0; r < BERT_ROWS; r++) acc[r] = v16_zero();
            bert_tile(acc, scores, key_columns, rows, values + (size_t)panel * length * 16, 16, length);
            for (int r = 0; r < rows; r++)
                v16_store(out + (query + r) * hidden + 16 * panel, v16_mul(acc[r], v16_set1(inverse_sums[r])));
        }
    }
}
