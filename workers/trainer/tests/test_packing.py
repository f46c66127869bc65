"""Sequence packing: rows are deterministic and bounded, a packed row computes exactly what its
examples compute alone (per-example loss within 1e-4, no attention across examples), for both
attention implementations the trainer can get on any host (sdpa, eager). Plus the CUDA batch
probe's search and gradient checkpointing's equivalence."""
from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from conftest import DATASET, complete_config, read_lines, run_trainer
from refinery_trainer.data import IGNORE, collate, collate_packed, encode_all, pack_rows, real_tokens
from refinery_trainer.memory import largest_fitting, probe_candidates
from refinery_trainer.runtime import load_tokenizer, loss_sum, trained_tokens

PACKED_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def examples(tiny_model):
    tokenizer, pad_id = load_tokenizer(tiny_model)
    records = [json.loads(l) for l in read_lines(DATASET, 12)]
    encoded, dropped = encode_all(records, tokenizer, "chat", 512)
    assert dropped == 0 and len(encoded) == 12
    return encoded, pad_id


def load(tiny_model, attn: str):
    """The model as a user would load it (use_cache left on): the packed calls below pass
    use_cache=False as runtime.loss_sum does; with a cache, transformers ignores packing."""
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(tiny_model, attn_implementation=attn).eval()


def per_example_losses(logits: torch.Tensor, labels: torch.Tensor, spans: list[tuple[int, int]]) -> list[float]:
    """Mean next-token loss over the trained tokens of each [start, end) span of one row."""
    out = []
    for s, e in spans:
        out.append(float(F.cross_entropy(logits[s:e - 1].float(), labels[s + 1:e], ignore_index=IGNORE)))
    return out


def test_pack_rows_is_deterministic_bounded_and_complete():
    lengths = [300, 20, 180, 512, 40, 250, 260, 5, 5, 100]
    rows = pack_rows(lengths, 512)
    assert rows == pack_rows(list(lengths), 512)  # a pure function of the lengths
    assert sorted(i for r in rows for i in r) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in r) <= 512 for r in rows)
    assert len(rows) == 4  # 1772 tokens: the minimum is ceil(1772 / 512) = 4
    with pytest.raises(ValueError):
        pack_rows([513], 512)


def test_collate_packed_positions_labels_and_padding(examples):
    encoded, pad_id = examples
    a, b = encoded[0], encoded[1]
    batch = collate_packed([[a, b], [encoded[2]]], pad_id)
    na, nb = len(a.input_ids), len(b.input_ids)
    assert batch["position_ids"][0, :na].tolist() == list(range(na))
    assert batch["position_ids"][0, na:na + nb].tolist() == list(range(nb))
    assert batch["labels"][0, na].item() == IGNORE  # b's first token is never predicted from a's last
    assert "attention_mask" not in batch  # else transformers would not look for packed sequences
    assert real_tokens(batch) == na + nb + len(encoded[2].input_ids)
    # the same trained tokens as the examples unpacked (each one's first label is never predicted there either)
    assert trained_tokens(batch) == trained_tokens(collate([a, b, encoded[2]], pad_id))


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_packed_per_example_loss_equals_unpacked(tiny_model, examples, attn):
    encoded, pad_id = examples
    model = load(tiny_model, attn)
    rows = pack_rows([len(e.input_ids) for e in encoded], 512)
    assert any(len(r) > 1 for r in rows)  # the test must really pack
    packed_rows = [[encoded[i] for i in r] for r in rows]
    batch = collate_packed(packed_rows, pad_id)
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits
        packed, unpacked = [], []
        for r, row in enumerate(packed_rows):
            spans, at = [], 0
            for e in row:
                spans.append((at, at + len(e.input_ids)))
                at += len(e.input_ids)
            packed += per_example_losses(logits[r], batch["labels"][r], spans)
            for e in row:  # each example alone, no padding at all
                alone = model(input_ids=torch.tensor([e.input_ids])).logits[0]
                unpacked += per_example_losses(alone, torch.tensor(e.labels), [(0, len(e.input_ids))])
        assert len(packed) == len(encoded)
        diffs = [abs(p - u) for p, u in zip(packed, unpacked)]
        assert max(diffs) <= PACKED_TOLERANCE, diffs
        # and the trainer's own loss over the packed batch equals that over a padded batch of the same examples
        padded = collate([e for row in packed_rows for e in row], pad_id)
        assert abs(float(loss_sum(model, batch)) / trained_tokens(batch)
                   - float(loss_sum(model, padded)) / trained_tokens(padded)) <= PACKED_TOLERANCE


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_changing_one_example_leaves_the_others_logits_unchanged(tiny_model, examples, attn):
    encoded, pad_id = examples
    model = load(tiny_model, attn)
    a, b, c = encoded[0], encoded[1], encoded[2]
    other_b = encoded[3]  # a different example of a different length in b's place
    assert len(other_b.input_ids) != len(b.input_ids)
    with torch.no_grad():
        def logits_of(row):
            batch = collate_packed([row], pad_id)
            return model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits[0]

        first, second = logits_of([a, b, c]), logits_of([a, other_b, c])
    na, nb, nb2, nc = len(a.input_ids), len(b.input_ids), len(other_b.input_ids), len(c.input_ids)
    assert torch.equal(first[:na], second[:na]) or (first[:na] - second[:na]).abs().max() < 1e-6
    c_first, c_second = first[na + nb:na + nb + nc], second[na + nb2:na + nb2 + nc]
    assert (c_first - c_second).abs().max() < 1e-5  # c never sees b: zero cross-example attention
    # the probe is sensitive: without packing (one causal sequence), c's logits do move
    with torch.no_grad():
        whole = lambda ids: model(input_ids=torch.tensor([ids])).logits[0]  # noqa: E731
        joined1 = whole(a.input_ids + b.input_ids + c.input_ids)[na + nb:]
        joined2 = whole(a.input_ids + other_b.input_ids + c.input_ids)[na + nb2:]
    assert (joined1 - joined2).abs().max() > 1e-3


def test_batch_probe_halves_until_a_micro_batch_fits():
    assert probe_candidates(12) == [12, 6, 3, 2, 1]
    assert probe_candidates(1) == [1]
    tried = []

    def fits(m):
        tried.append(m)
        return m <= 5

    assert largest_fitting(16, fits) == 4 and tried == [16, 8, 4]
    assert largest_fitting(16, lambda m: False) == 1


def test_gradient_checkpointing_changes_memory_not_the_trajectory(tiny_model, splits, tmp_path):
    runs = {}
    for gc in (False, True):
        cfg = complete_config(tiny_model, splits, tmp_path / f"gc-{gc}", max_steps=3, eval_file=None,
                              gradient_checkpointing=gc)
        rc, evs, stderr = run_trainer(cfg, tmp_path, name=f"gc-{gc}.json")
        assert rc == 0, stderr
        assert evs[0]["gradient_checkpointing"] is gc
        runs[gc] = [e["loss"] for e in evs if e["event"] == "step"]
    assert len(runs[True]) == 3
    assert all(abs(x - y) <= 1e-5 for x, y in zip(runs[False], runs[True])), runs


def test_packed_run_reports_padding_and_real_token_throughput(tiny_model, splits, tmp_path):
    rows = {}
    for packing in (True, False):
        cfg = complete_config(tiny_model, splits, tmp_path / f"p-{packing}", max_steps=2, eval_file=None, packing=packing)
        rc, evs, stderr = run_trainer(cfg, tmp_path, name=f"p-{packing}.json")
        assert rc == 0, stderr
        steps, done = [e for e in evs if e["event"] == "step"], evs[-1]
        assert all(0 <= s["padding_fraction"] < 1 and s["peak_memory_bytes"] > 0 for s in steps)
        assert done["real_tokens"] > 0 and done["real_tokens_per_s"] > 0
        rows[packing] = (evs[0]["train_rows"], done["padding_fraction"])
    assert rows[False][0] == 32 and rows[True][0] == 15
    assert rows[True][1] < rows[False][1]  # packing pads less
