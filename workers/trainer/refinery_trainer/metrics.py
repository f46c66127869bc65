"""Task metrics of the `evaluate` verb: one prediction against one reference, then the mean over
the examples. Pure Python, no model: every function here is a plain string comparison.

  exact_match   prediction.strip() == reference.strip()                          -> 0 or 1
  contains      reference.strip() occurs in the prediction                        -> 0 or 1
  json_valid    the prediction (stripped) parses as JSON                          -> 0 or 1
  field_match   reference and prediction as JSON objects: fraction of the reference's top-level
                fields whose value the prediction has equal (0 if the prediction is not a JSON
                object); examples whose reference is not a JSON object are not counted. Also
                `field_match.<field>`: per reference field, the fraction of examples (among those
                whose reference has the field) where the prediction has it equal.
  rouge_l       ROUGE-L F1: longest common subsequence of whitespace tokens,
                F1 = 2PR / (P + R) with P = LCS / len(prediction), R = LCS / len(reference)
"""
from __future__ import annotations

import json
from typing import Any

METRICS = ("exact_match", "contains", "json_valid", "field_match", "rouge_l")


def exact_match(prediction: str, reference: str) -> float:
    return float(prediction.strip() == reference.strip())


def contains(prediction: str, reference: str) -> float:
    return float(reference.strip() in prediction)


def _parse(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text.strip())
    except ValueError:
        return False, None


def json_valid(prediction: str, reference: str = "") -> float:
    return float(_parse(prediction)[0])


def _equal(a: Any, b: Any) -> bool:
    # JSON equality: true/false are not the numbers 1/0 (Python's == says they are)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def field_matches(prediction: str, reference: str) -> dict[str, float] | None:
    """Per reference field: 1 if the prediction has it with an equal value, else 0. None when
    the reference is not a JSON object with at least one field (field_match does not apply)."""
    ok, ref = _parse(reference)
    if not ok or not isinstance(ref, dict) or not ref:
        return None
    ok, pred = _parse(prediction)
    if not ok or not isinstance(pred, dict):
        pred = {}
    return {k: float(k in pred and _equal(pred[k], v)) for k, v in ref.items()}


def field_match(prediction: str, reference: str) -> float | None:
    per_field = field_matches(prediction, reference)
    return None if per_field is None else sum(per_field.values()) / len(per_field)


def rouge_l(prediction: str, reference: str) -> float:
    p, r = prediction.split(), reference.split()
    if not p or not r:
        return float(p == r)
    row = [0] * (len(r) + 1)  # LCS by dynamic programming, one row at a time
    for a in p:
        prev_diag = 0
        for j, b in enumerate(r, start=1):
            prev_diag, row[j] = row[j], prev_diag + 1 if a == b else max(row[j], row[j - 1])
    lcs = row[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(p), lcs / len(r)
    return 2 * precision * recall / (precision + recall)


def unknown(names: list[str] | tuple[str, ...]) -> list[str]:
    return [n for n in names if n not in METRICS]


def score(names: list[str] | tuple[str, ...], pairs: list[tuple[str, str]]) -> dict[str, float | None]:
    """Mean of each requested metric over (prediction, reference) pairs; field_match adds one
    `field_match.<field>` entry per reference field (sorted). A metric no example applies to is
    None (the evaluate recipe leaves it out of its payload)."""
    out: dict[str, float | None] = {}
    simple = {"exact_match": exact_match, "contains": contains, "json_valid": json_valid, "rouge_l": rouge_l}
    for name in names:
        if name in simple:
            out[name] = sum(simple[name](p, r) for p, r in pairs) / len(pairs) if pairs else None
        elif name == "field_match":
            per_example = [m for m in (field_matches(p, r) for p, r in pairs) if m is not None]
            out[name] = (sum(sum(m.values()) / len(m) for m in per_example) / len(per_example)) if per_example else None
            fields = sorted({k for m in per_example for k in m})
            for f in fields:
                hits = [m[f] for m in per_example if f in m]
                out[f"field_match.{f}"] = sum(hits) / len(hits)
        else:
            raise ValueError(f"unknown metric {name!r}")
    return out
