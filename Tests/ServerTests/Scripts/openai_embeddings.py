"""The official OpenAI Python client's embeddings call against a running Atrium server.

Environment: ATRIUM_URL (http://127.0.0.1:PORT), ATRIUM_KEY (a team key).
Prints one JSON object with what it observed; exits non-zero on any failure.
"""
import json
import os
import sys

import openai

client = openai.OpenAI(base_url=os.environ["ATRIUM_URL"] + "/v1", api_key=os.environ["ATRIUM_KEY"], max_retries=0)
default = client.embeddings.create(model="minilm-l6", input=["The cat sat.", "A cat was sitting."])
floats = client.embeddings.create(model="default", input="The cat sat.", encoding_format="float")
a, b = default.data[0].embedding, default.data[1].embedding
print(json.dumps({
    "count": len(default.data),
    "dimensions": len(a),
    "model": default.model,
    "prompt_tokens": default.usage.prompt_tokens,
    "cosine": sum(x * y for x, y in zip(a, b)),
    "same_as_float": max(abs(x - y) for x, y in zip(a, floats.data[0].embedding)),
}))
sys.exit(0)
