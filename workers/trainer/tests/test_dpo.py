"""`dpo` (recipes/lora_dpo.py) on the tiny model: the reward accuracy on held-out pairs rises well
above chance, bad pairs are refused with their line numbers, and a resumed run replays the
uninterrupted one."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from conftest import REPO, read_lines, run_trainer

PAIRS = REPO / "examples" / "datasets" / "support-preferences.jsonl"  # examples/make_preference_dataset.py


@pytest.fixture(scope="module")
def pair_splits(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("pairs")
    (d / "train.jsonl").write_text("\n".join(read_lines(PAIRS, 96)) + "\n")
    (d / "eval.jsonl").write_text("\n".join(read_lines(PAIRS, 32, skip=500)) + "\n")
    return d / "train.jsonl", d / "eval.jsonl"


def dpo_config(tiny_model: Path, splits: tuple[Path, Path], output_dir: Path, **overrides) -> dict:
    """A complete `dpo` config, as the worker sends it (every field)."""
    train, evals = splits
    cfg = {
        "base_model": str(tiny_model), "train_file": str(train), "eval_file": str(evals), "format": "preference",
        "output_dir": str(output_dir), "resume_from": None,
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear"}, "beta": 0.1,
        "epochs": 4, "learning_rate": 0.02, "lr_scheduler": "cosine", "warmup_ratio": 0.1, "batch_size": 8,
        "grad_accum": 1, "max_seq_len": 512, "seed": 7, "checkpoint_every": 100, "max_steps": None,
        "device": "cpu", "eval_every": None, "weight_decay": 0.0, "max_grad_norm": 1.0,
    }
    assert not set(overrides) - set(cfg), f"not config fields: {set(overrides) - set(cfg)}"
    return {**cfg, **overrides}


@pytest.fixture(scope="module")
def dpo_run(tiny_model, pair_splits, tmp_path_factory) -> tuple[int, list[dict], str]:
    tmp = tmp_path_factory.mktemp("dpo")
    return run_trainer(dpo_config(tiny_model, pair_splits, tmp / "out"), tmp, verb="dpo")


def test_reward_accuracy_on_held_out_pairs_rises_well_above_chance(dpo_run):
    code, evs, err = dpo_run
    assert code == 0, err
    start, *_ = evs
    assert start["event"] == "start" and start["train_records"] == 96 and start["eval_records"] == 32
    evals = [e for e in evs if e["event"] == "eval"]
    # step 0: the adapter is zero, so the policy is the reference: loss ln 2, both rewards 0, no pair won
    assert evals[0] == {"event": "eval", "step": 0, "eval_loss": pytest.approx(math.log(2), abs=1e-6),
                        "reward_accuracy": 0.0, "reward_margin": 0.0}
    steps = [e for e in evs if e["event"] == "step"]
    assert len(steps) == start["total_steps"] == 48
    assert all(0 <= s["reward_accuracy"] <= 1 and s["tokens_per_second"] > 0 for s in steps)
    done = evs[-1]
    assert done["event"] == "done" and done["beta"] == 0.1
    print(f"dpo eval reward accuracy {[round(e['reward_accuracy'], 3) for e in evals]}, "
          f"margin {[round(e['reward_margin'], 3) for e in evals]}, loss {[round(e['eval_loss'], 3) for e in evals]}")
    # held out: the tuned model prefers the right routing on pairs it never saw (0.75 measured; chance 0.5)
    assert done["reward_accuracy"] >= 0.65
    assert done["reward_margin"] > 0.5
    assert done["eval_loss"] < math.log(2) - 0.1
    assert done["train_reward_accuracy"] >= 0.8
    assert (Path(done["adapter_dir"]) / "adapter_model.safetensors").is_file()
    assert not (Path(done["adapter_dir"]) / "ref").exists()  # one adapter: the reference is the base, adapter off
    metrics = json.loads(Path(done["metrics_path"]).read_text())
    assert [e["step"] for e in metrics["evals"]] == [0, 12, 24, 36, 48]


def test_a_malformed_pair_is_refused_with_its_line_number(tiny_model, pair_splits, tmp_path):
    bad = tmp_path / "bad.jsonl"
    good = read_lines(PAIRS, 2)
    bad.write_text("\n".join([good[0], json.dumps({"prompt": "p", "chosen": "same", "rejected": "same"}), good[1],
                              json.dumps({"messages": [{"role": "user", "content": "q"}], "chosen": "a", "rejected": "b"})]) + "\n")
    code, evs, _ = run_trainer(dpo_config(tiny_model, (bad, pair_splits[1]), tmp_path / "out"), tmp_path, verb="dpo")
    assert code == 2
    assert evs[-1]["kind"] == "invalid_input"
    assert "2 invalid record(s) for format 'preference'" in evs[-1]["message"]
    assert 'line 2: "chosen" and "rejected" are the same' in evs[-1]["message"]
    assert 'line 4: "chosen" must be an object' in evs[-1]["message"]
    code, evs, _ = run_trainer(dpo_config(tiny_model, pair_splits, tmp_path / "out", format="chat", beta=0.0), tmp_path, verb="dpo")
    assert code == 2 and "format: dpo trains on \"preference\" records" in evs[-1]["message"] and "beta: must be in (0, 10]" in evs[-1]["message"]


def test_a_resumed_run_replays_the_uninterrupted_one(tiny_model, pair_splits, tmp_path):
    short = dict(max_steps=6, checkpoint_every=3, eval_file=None)
    code, full, err = run_trainer(dpo_config(tiny_model, pair_splits, tmp_path / "full", **short), tmp_path, "a.json", verb="dpo")
    assert code == 0, err
    checkpoint = next(e["path"] for e in full if e["event"] == "checkpoint" and e["step"] == 3)
    code, resumed, err = run_trainer(dpo_config(tiny_model, pair_splits, tmp_path / "resumed", resume_from=checkpoint, **short),
                                     tmp_path, "b.json", verb="dpo")
    assert code == 0, err
    assert resumed[0]["resumed_from_step"] == 3
    losses = lambda evs: {e["step"]: e["loss"] for e in evs if e["event"] == "step"}
    assert set(losses(resumed)) == {4, 5, 6}
    for step, loss in losses(resumed).items():
        assert loss == pytest.approx(losses(full)[step], abs=1e-4)


def test_evaluate_scores_the_chosen_answers_and_the_rewards_against_the_base(tiny_model, pair_splits, dpo_run, tmp_path):
    """merge, then evaluate on the eval pairs: loss and generations against the chosen answer, and
    the rewards from the merged model's and the base's log-likelihoods of both answers."""
    done = dpo_run[1][-1]
    code, evs, err = run_trainer({"base_model": str(tiny_model), "adapter_dir": done["adapter_dir"],
                                  "output_dir": str(tmp_path / "merged"), "device": "cpu"}, tmp_path, "merge.json", verb="merge")
    assert code == 0, err
    cfg = {"base_model": str(tiny_model), "merged_dir": evs[-1]["merged_dir"], "gguf_files": [],
           "eval_file": str(pair_splits[1]), "format": "preference", "max_examples": 32, "max_new_tokens": 4,
           "metrics": ["exact_match"], "seed": 0, "device": "cpu", "threads": 1, "canaries": [], "beta": 0.1,
           "output_dir": str(tmp_path / "eval")}
    code, evs, err = run_trainer(cfg, tmp_path, "eval.json", verb="evaluate")
    assert code == 0, err
    out = evs[-1]
    by = {v["variant"]: v for v in out["variants"]}
    print(f"evaluate on pairs: base {by['base']['metrics']}, merged {by['merged']['metrics']}")
    assert out["examples"] == 32 and out["samples"][0]["reference"].startswith('{"department"')
    assert set(by["base"]["metrics"]) == {"exact_match", "preference_accuracy"}  # rewards need the tuned model
    # the loss on the chosen answers' tokens is reported, but DPO need not lower it (it widens the gap to the rejected)
    assert by["merged"]["answer_loss"] > 0 and by["base"]["answer_loss"] > 0
    # the same measure as training's final eval (TRL also scores the newline after the end of turn): 0.75 there
    assert by["merged"]["metrics"]["reward_accuracy"] >= 0.65
    assert by["merged"]["metrics"]["reward_margin"] > 0.5
    assert by["merged"]["metrics"]["preference_accuracy"] > by["base"]["metrics"]["preference_accuracy"]
    cfg["beta"] = None
    code, evs, _ = run_trainer(cfg, tmp_path, "eval-bad.json", verb="evaluate")
    assert code == 2 and "beta: preference data needs DPO's beta" in evs[-1]["message"]
