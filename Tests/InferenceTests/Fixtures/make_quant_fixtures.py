#!/usr/bin/env python3
"""Writes quants/<TYPE>.json: raw ggml blocks and their dequantization by the PyPI package `gguf`
(llama.cpp's Python reader), for QuantFormatTests to compare Atrium's dequantizers against.

    pip install gguf numpy && python3 make_quant_fixtures.py

Formats `gguf.quants` can quantize (F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) are quantized from
seeded random rows (one with an all-zero block, one with outliers). For the K-quants `gguf` only
dequantizes, so their blocks are seeded random bytes, which are all valid blocks once the float16
scales are set to finite values: that exercises every bit of the packed quants and scales.
"""
import base64
import json
import os
from importlib.metadata import version

import gguf
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quants")
QUANTIZED = [T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0]
# K-quant type -> byte offsets of its float16 scales within a block
RANDOM_BLOCKS = {T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208]}


def b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def quantized_rows(qtype: T, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    rows = rng.standard_normal((3, 256)).astype(np.float32)
    rows[1, 32:64] = 0                      # a block of zeros: scale 0
    rows[2, ::37] *= 40                     # outliers stretch a block's scale
    data = quants.quantize(rows, qtype)
    return data, quants.dequantize(data, qtype)


def random_blocks(qtype: T, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(4, type_size), dtype=np.uint8)
    for offset in RANDOM_BLOCKS[qtype]:
        scales = rng.uniform(-0.05, 0.05, size=4).astype(np.float16)
        blocks[:, offset:offset + 2] = scales.view(np.uint8).reshape(4, 2)
    data = blocks.reshape(2, 2 * type_size)  # two rows of two blocks
    return data, quants.dequantize(data, qtype)


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    for index, qtype in enumerate(QUANTIZED + list(RANDOM_BLOCKS)):
        rng = np.random.default_rng(1000 + index)
        make = random_blocks if qtype in RANDOM_BLOCKS else quantized_rows
        data, values = make(qtype, rng)
        fixture = {
            "type": qtype.name,
            "made_with": f"gguf {version('gguf')}, numpy {np.__version__}",
            "rows": int(values.shape[0]),
            "columns": int(values.shape[1]),
            "blocks": b64(data.view(np.uint8)),
            "values": b64(values.astype("<f4")),
        }
        with open(os.path.join(OUT, f"{qtype.name}.json"), "w") as file:
            json.dump(fixture, file, indent=1)
            file.write("\n")


if __name__ == "__main__":
    main()
