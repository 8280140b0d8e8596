"""The official OpenAI Python client against a running Atrium server.

Environment: ATRIUM_URL (http://127.0.0.1:PORT), ATRIUM_KEY (a team key), ATRIUM_MODEL.
Prints one JSON object with what it observed; exits non-zero on any failure.
"""
import json
import os
import sys

import openai

client = openai.OpenAI(base_url=os.environ["ATRIUM_URL"] + "/v1", api_key=os.environ["ATRIUM_KEY"], max_retries=0)
model = os.environ["ATRIUM_MODEL"]
messages = [{"role": "user", "content": "Say hello."}]

models = [m.id for m in client.models.list()]
retrieved = client.models.retrieve(model).id
try:
    client.models.retrieve("gpt-nonexistent")
    missing = None
except openai.NotFoundError as error:
    missing = error.status_code

completion = client.chat.completions.create(model=model, messages=messages, max_tokens=16)
whole = completion.choices[0].message.content

pieces, finish, usage = [], None, None
stream = client.chat.completions.create(
    model=model, messages=messages, stream=True, stream_options={"include_usage": True}
)
for chunk in stream:
    if chunk.usage is not None:
        usage = chunk.usage.total_tokens
    for choice in chunk.choices:
        if choice.delta.content:
            pieces.append(choice.delta.content)
        if choice.finish_reason:
            finish = choice.finish_reason

try:
    openai.OpenAI(base_url=os.environ["ATRIUM_URL"] + "/v1", api_key="atr_wrong", max_retries=0).models.list()
    refused = None
except openai.AuthenticationError as error:
    refused = error.status_code

print(json.dumps({
    "models": models,
    "retrieved": retrieved,
    "missing_status": missing,
    "content": whole,
    "usage": completion.usage.total_tokens,
    "streamed": "".join(pieces),
    "finish_reason": finish,
    "stream_usage": usage,
    "refused_status": refused,
}))
sys.exit(0)
