#!/usr/bin/env python3
"""Writes gemma3_reference.json: llama.cpp's tokenization and greedy continuations for
Gemma 3 270M (gemma-3-270m-q4_k_m.gguf, from scripts/fetch-gemma), for the engine's tests.

llama.cpp is built from the llama-cpp-python 0.3.36 sdist exactly as
../../../../shared/reference/smollm2-135m-instruct-q4_1/README.md describes, then:

    build/bin/llama-server -m gemma-3-270m-q4_k_m.gguf -c 2048 -t 1 -fa off --port 18090 &
    python3 make_gemma_reference.py http://127.0.0.1:18090 > gemma3_reference.json

Tokenization goes through /tokenize (special tokens parsed, no BOS added); each continuation
through /completion with temperature 0 (greedy), n_probs 2 so every step carries the
top-1/top-2 log-probability margin that the teacher-forcing test needs. Stdlib only.
"""
import json
import sys
import urllib.request

SERVER = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18090"

TOKENIZATION = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "  leading and trailing spaces  ",
    "Numbers: 1234567 and 3.14159",
    "Café naïve résumé — «quotes» and emoji 🙂👍🏽",
    "日本語のテキストと中文文本",
    "def add(a, b):\n    return a + b\n",
    "<start_of_turn>user\nHi<end_of_turn>\n",
]

PROMPTS = [
    ("raw_capital", "<bos>The capital of France is"),
    ("raw_story", "<bos>Once upon a time, in a small village,"),
    ("chat_primes", "<bos><start_of_turn>user\nList three prime numbers.<end_of_turn>\n<start_of_turn>model\n"),
]

STEPS = 24


def post(path, body):
    request = urllib.request.Request(SERVER + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def tokenize(text):
    return post("/tokenize", {"content": text, "add_special": False})["tokens"]


def main():
    tokenization = [{"text": text, "ids": tokenize(text)} for text in TOKENIZATION]
    continuations = []
    for name, text in PROMPTS:
        prompt_ids = tokenize(text)
        reply = post("/completion", {
            "prompt": prompt_ids, "n_predict": STEPS, "temperature": 0, "top_k": 1,
            "n_probs": 2, "cache_prompt": False, "ignore_eos": True, "samplers": ["top_k"],
        })
        steps = reply["completion_probabilities"]
        generated = [step["id"] for step in steps]
        margins = [round(step["top_logprobs"][0]["logprob"] - step["top_logprobs"][1]["logprob"], 4)
                   for step in steps]
        continuations.append({"name": name, "prompt_text": text, "prompt_ids": prompt_ids,
                              "generated_ids": generated, "top1_top2_logprob_margin": margins,
                              "generated_text": reply["content"]})
    json.dump({
        "_about": __doc__.strip().splitlines()[0],
        "model_file": "gemma-3-270m-q4_k_m.gguf",
        "model_sha256": "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        "llama_cpp_commit": "0c1e57098",
        "server_settings": {"n_ctx": 2048, "threads": 1, "flash_attn": "off", "temperature": 0},
        "tokenization": tokenization,
        "continuations": continuations,
    }, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
