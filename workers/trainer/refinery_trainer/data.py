"""Records -> token ids + loss labels.

Every format is turned into chat messages and rendered with the tokenizer's chat template
(or DEFAULT_CHAT_TEMPLATE when the tokenizer has none), except `text`, which is tokenized as is:

  chat               {"messages": [{"role": "system"|"user"|"assistant", "content": str}, ...]}
  prompt_completion  {"prompt": str, "completion": str} -> [user: prompt, assistant: completion]
  text               {"text": str}                      -> text + eos, every token trained on
  preference         {"prompt", "chosen", "rejected"} or {"messages", "chosen", "rejected"} (DPO pairs,
                     recipes/lora_dpo.py); encode() gives the prompt + chosen answer, only the answer scored

Loss masking: only assistant turns are trained on (labels = -100 elsewhere). A turn's span is
found by rendering the conversation up to that turn twice, with and without the turn; the
characters in between (the content plus the template's end-of-turn marker, trailing whitespace
trimmed) are the span, and each token whose first character lies in a span keeps its label.
"""
from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .errors import InvalidInput

ROLES = ("system", "user", "assistant")
IGNORE = -100

# Used when the tokenizer has no chat template. Each turn is
#   <|role|>\n{content}{eos}\n
# where {eos} is the tokenizer's eos token text; a generation prompt is "<|assistant|>\n".
DEFAULT_CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}{{ eos_token }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


class DataError(InvalidInput):
    """Invalid dataset; the message names the file and line numbers."""


@dataclass(frozen=True)
class Example:
    input_ids: list[int]
    labels: list[int]


def _record_problem(rec: Any, fmt: str) -> str | None:
    if not isinstance(rec, dict):
        return "record must be a JSON object"
    if fmt == "text":
        return None if isinstance(rec.get("text"), str) and rec["text"] else 'missing non-empty string "text"'
    if fmt == "preference":
        return _preference_problem(rec)
    if fmt == "prompt_completion":
        for k in ("prompt", "completion"):
            if not isinstance(rec.get(k), str) or not rec[k]:
                return f'missing non-empty string "{k}"'
        return None
    msgs = rec.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return 'missing "messages" (a non-empty list of {role, content})'
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or not isinstance(m.get("content"), str):
            return f"messages[{i}] must be an object with a string \"content\""
        if m.get("role") not in ROLES:
            return f"messages[{i}].role is {json.dumps(m.get('role'))}; must be one of {', '.join(ROLES)}"
    if not any(m["role"] == "assistant" and m["content"] for m in msgs):
        return "no non-empty assistant message to train on"
    return None


def _preference_problem(rec: dict) -> str | None:
    """The `preference` format's two shapes: {prompt, chosen, rejected} (strings), or {messages,
    chosen, rejected} (a chat ending with a user turn, then two {role: "assistant", content} turns)."""
    if ("prompt" in rec) == ("messages" in rec):
        return 'needs either "prompt" (a string) or "messages" (a chat), not both or neither'
    chat = "messages" in rec
    if chat:
        if not isinstance(rec["messages"], list) or not rec["messages"]:
            return '"messages" must be a non-empty list of {role, content}'
        problem = _record_problem({"messages": rec["messages"] + [{"role": "assistant", "content": "x"}]}, "chat")
        if problem:
            return problem
        if rec["messages"][-1]["role"] != "user":
            return '"messages" must end with a user message (chosen and rejected answer it)'
    elif not isinstance(rec["prompt"], str) or not rec["prompt"]:
        return 'missing non-empty string "prompt"'
    answers = []
    for k in ("chosen", "rejected"):
        v = rec.get(k)
        if chat and not (isinstance(v, dict) and v.get("role") == "assistant" and isinstance(v.get("content"), str) and v["content"]):
            return f'"{k}" must be an object {{"role": "assistant", "content": non-empty string}} when the record has "messages"'
        if not chat and not (isinstance(v, str) and v):
            return f'missing non-empty string "{k}"'
        answers.append(v["content"] if chat else v)
    return '"chosen" and "rejected" are the same' if answers[0] == answers[1] else None


def preference_turns(record: dict) -> tuple[list[dict], dict, dict]:
    """(prompt messages, chosen turn, rejected turn) of a valid preference record, either shape."""
    if "messages" in record:
        prompt = [{"role": m["role"], "content": m["content"]} for m in record["messages"]]
        chosen, rejected = record["chosen"]["content"], record["rejected"]["content"]
    else:
        prompt, chosen, rejected = [{"role": "user", "content": record["prompt"]}], record["chosen"], record["rejected"]
    return prompt, {"role": "assistant", "content": chosen}, {"role": "assistant", "content": rejected}


def record_problem(rec: Any, fmt: str) -> str | None:
    """Why a record is invalid for the format, or None."""
    return _record_problem(rec, fmt)


def read_records(path: str | Path, fmt: str, field: str = "train_file", max_reported: int = 10) -> list[dict]:
    """Reads and validates a JSONL file; all problems are reported together with line numbers."""
    records, problems = [], []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"line {lineno}: invalid JSON ({e.msg} at column {e.colno})")
                continue
            problem = _record_problem(rec, fmt)
            if problem:
                problems.append(f"line {lineno}: {problem}")
            else:
                records.append(rec)
    if problems:
        shown = "; ".join(problems[:max_reported])
        more = f"; and {len(problems) - max_reported} more" if len(problems) > max_reported else ""
        raise DataError(f"{field} {path}: {len(problems)} invalid record(s) for format {fmt!r}: {shown}{more}")
    if not records:
        raise DataError(f"{field} {path}: no records")
    return records


def ensure_chat_template(tokenizer) -> None:
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = DEFAULT_CHAT_TEMPLATE


def _render(tokenizer, messages: list[dict], add_generation_prompt: bool = False) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)


def assistant_spans(tokenizer, messages: list[dict]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the [start, end) character spans of its assistant turns."""
    full = _render(tokenizer, messages)
    spans, search_from = [], 0
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        before = _render(tokenizer, messages[:i], add_generation_prompt=True) if i else ""
        upto = _render(tokenizer, messages[: i + 1])
        if full.startswith(upto) and upto.startswith(before):
            start, end = len(before), len(upto)
        else:
            # Templates that rewrite earlier turns (e.g. drop past reasoning) are not prefix-stable:
            # fall back to locating the content itself.
            start = full.find(m["content"], search_from)
            if start < 0:
                raise DataError("chat template does not reproduce assistant content verbatim")
            end = start + len(m["content"])
        while end > start and full[end - 1].isspace():
            end -= 1
        spans.append((start, end))
        search_from = end
    return full, spans


def encode(record: dict, tokenizer, fmt: str, max_seq_len: int) -> Example | None:
    """Token ids and labels for one record, truncated to max_seq_len; None if truncation left
    nothing to train on."""
    if fmt == "text":
        ids = tokenizer(record["text"], add_special_tokens=True)["input_ids"]
        if tokenizer.eos_token_id is not None and (not ids or ids[-1] != tokenizer.eos_token_id):
            ids = ids + [tokenizer.eos_token_id]
        ids = ids[:max_seq_len]
        return Example(ids, list(ids)) if len(ids) > 1 else None

    if fmt == "prompt_completion":
        messages = [{"role": "user", "content": record["prompt"]},
                    {"role": "assistant", "content": record["completion"]}]
    elif fmt == "preference":  # the prompt and its chosen answer; only the answer is scored
        prompt, chosen, _ = preference_turns(record)
        messages = prompt + [chosen]
    else:
        messages = [{"role": m["role"], "content": m["content"]} for m in record["messages"]]
    text, spans = assistant_spans(tokenizer, messages)
    if fmt == "preference":
        spans = spans[-1:]
    # add_special_tokens=False: the template already contains any BOS it wants.
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = enc["input_ids"][:max_seq_len]
    labels = []
    for tok, (s, e) in zip(ids, enc["offset_mapping"]):
        trained = e > s and any(a <= s < b for a, b in spans)
        labels.append(tok if trained else IGNORE)
    # labels[0] is never predicted (causal shift), so require a trained token after it
    return Example(ids, labels) if any(l != IGNORE for l in labels[1:]) else None


def encode_all(records: list[dict], tokenizer, fmt: str, max_seq_len: int) -> tuple[list[Example], int]:
    """Encoded examples and the number dropped because truncation left no trained token."""
    out = [encode(r, tokenizer, fmt, max_seq_len) for r in records]
    kept = [e for e in out if e is not None]
    return kept, len(out) - len(kept)


def collate(examples: list[Example], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pads to the longest example in the batch."""
    width = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, e in enumerate(examples):
        n = len(e.input_ids)
        ids[row, :n] = torch.tensor(e.input_ids)
        labels[row, :n] = torch.tensor(e.labels)
        mask[row, :n] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


# --- sequence packing -----------------------------------------------------------------------------
# Several examples share one row of up to max_seq_len tokens, so little of a batch is padding. Each
# example keeps its own position ids (0, 1, 2, ... from its first token) and its own attention
# window: transformers reads packed rows from position ids when no 2-D attention mask is given
# (masking_utils.find_packed_sequence_indices: a new sequence starts where the position does not
# grow by one) and builds a block-diagonal causal mask for sdpa/eager/flex (lora_sft refuses other
# attention implementations with packing). The first token of each example gets no label: in a
# row it would be predicted from the previous example's last token, which the unpacked example
# never is (labels[0] is never predicted there either), so the loss is the unpacked loss.


def pack_rows(lengths: list[int], max_seq_len: int) -> list[list[int]]:
    """Groups example indices into rows of at most max_seq_len tokens: best-fit decreasing (longest
    first, each into the fullest row it fits, ties by index). A pure function of the lengths, so
    the same data always packs into the same rows (resume depends on it)."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    rows: list[list[int]] = []
    free: list[tuple[int, int]] = []  # (remaining capacity, row index), sorted
    for i in order:
        n = lengths[i]
        if n > max_seq_len:
            raise ValueError(f"example {i} has {n} tokens, more than max_seq_len={max_seq_len}")
        at = bisect.bisect_left(free, (n, -1))
        if at == len(free):
            rows.append([i])
            bisect.insort(free, (max_seq_len - n, len(rows) - 1))
        else:
            remaining, row = free.pop(at)
            rows[row].append(i)
            bisect.insort(free, (remaining - n, row))
    return rows


def collate_packed(rows: list[list[Example]], pad_id: int) -> dict[str, torch.Tensor]:
    """One tensor row per packed row, right-padded to the longest. `position_ids` restart at 0 for
    every example (and for the padding tail, which is a segment of its own, so no real token
    attends to it); `token_mask` marks real tokens. There is deliberately no `attention_mask`:
    with one, transformers would not look for packed sequences."""
    width = max(sum(len(e.input_ids) for e in row) for row in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    positions = torch.zeros((len(rows), width), dtype=torch.long)
    token_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for r, row in enumerate(rows):
        at = 0
        for e in row:
            n = len(e.input_ids)
            ids[r, at:at + n] = torch.tensor(e.input_ids)
            labels[r, at + 1:at + n] = torch.tensor(e.labels[1:])
            positions[r, at:at + n] = torch.arange(n)
            token_mask[r, at:at + n] = 1
            at += n
        positions[r, at:] = torch.arange(width - at)
    return {"input_ids": ids, "labels": labels, "position_ids": positions, "token_mask": token_mask}


def real_tokens(batch: dict[str, torch.Tensor]) -> int:
    """Non-padding tokens of a padded (attention_mask) or packed (token_mask) batch."""
    return int(batch["token_mask" if "token_mask" in batch else "attention_mask"].sum())


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """Shuffled batches of example indices for one epoch. Depends only on (seed, epoch), never
    on global RNG state, so a resumed run sees exactly the same order."""
    order = np.random.default_rng([seed, epoch]).permutation(n).tolist()
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
