"""Checks an `atrium audit export` file on its own, without Atrium: each line's hash is the
SHA-256 of the line without its "hash" (keys sorted, no spaces), and each line's prev_hash is
the hash of the line before. Prints the number of lines; exits 1 naming the first bad line."""
import hashlib
import json
import sys

previous = None
count = 0
with open(sys.argv[1], encoding="utf-8") as export:
    for count, line in enumerate(export, start=1):
        record = json.loads(line)
        claimed = record.pop("hash")
        canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if hashlib.sha256(canonical.encode("utf-8")).hexdigest() != claimed:
            sys.exit(f"line {count}: the hash does not match the content")
        if previous is not None and record["prev_hash"] != previous:
            sys.exit(f"line {count}: prev_hash is not the previous line's hash")
        previous = claimed
print(count)
