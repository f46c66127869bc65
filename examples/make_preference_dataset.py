#!/usr/bin/env python3
"""Preference pairs for DPO, from the support-ticket demo dataset (examples/datasets/support-tickets.jsonl).

Each ticket becomes {"messages": [system, user], "chosen": {assistant: the correct JSON answer},
"rejected": {assistant: the same answer with a wrong department or a wrong priority}} -- half of
each, and every fourth pair in the simple shape {"prompt", "chosen", "rejected"} (the ticket as
the prompt), so both documented shapes occur. The rejected answers are a lazy router's: it falls
back to the "account" department (to "technical" when account is right) or to "normal" priority
(to "high" when normal is right), with the canned reply of the label it picked, so each rejected
answer is consistent in itself. The preference is learnable by the demo's tiny model: prefer
specific routing over the fallback.

Usage: python examples/make_preference_dataset.py [--source examples/datasets/support-tickets.jsonl]
       [--out examples/datasets/support-preferences.jsonl]
Standard library only; output is byte-for-byte deterministic for a given source.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path



def canned_replies(records: list[dict]) -> dict[tuple[str, str], str]:
    """(department, priority) -> the reply the dataset uses for it."""
    replies = {}
    for r in records:
        answer = json.loads(r["messages"][-1]["content"])
        replies.setdefault((answer["department"], answer["priority"]), answer["reply"])
    return replies


def pair(record: dict, index: int, replies: dict) -> dict:
    answer = json.loads(record["messages"][-1]["content"])
    wrong = dict(answer)
    if index % 2 == 0:
        wrong["department"] = "account" if answer["department"] != "account" else "technical"
    else:
        wrong["priority"] = "normal" if answer["priority"] != "normal" else "high"
    wrong["reply"] = replies.get((wrong["department"], wrong["priority"]), answer["reply"])
    chosen, rejected = json.dumps(answer), json.dumps(wrong)
    prompt = record["messages"][:-1]
    if index % 4 == 3:  # the simple shape: the system instruction and the ticket as one prompt
        return {"prompt": "\n\n".join(m["content"] for m in prompt), "chosen": chosen, "rejected": rejected}
    return {"messages": prompt, "chosen": {"role": "assistant", "content": chosen},
            "rejected": {"role": "assistant", "content": rejected}}


def main() -> None:
    root = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=root / "datasets" / "support-tickets.jsonl")
    parser.add_argument("--out", type=Path, default=root / "datasets" / "support-preferences.jsonl")
    args = parser.parse_args()
    records = [json.loads(l) for l in args.source.read_text(encoding="utf-8").splitlines() if l.strip()]
    replies = canned_replies(records)
    lines = [json.dumps(pair(r, i, replies), ensure_ascii=False) for i, r in enumerate(records)]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} preference pairs to {args.out}")


if __name__ == "__main__":
    main()
