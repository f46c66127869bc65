"""End-to-end runs of the real CLI on the tiny model: learning, exact resume, adapter loading,
SIGTERM. One uninterrupted run (module fixture) is the reference for the others."""
from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
import torch

from conftest import complete_config, events, run_trainer, trainer_cmd, trainer_env

# Resumed runs must match the uninterrupted run's per-step losses within this absolute tolerance.
# On CPU the match is bitwise in practice; the slack is for GPU kernels that are not deterministic.
RESUME_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def reference(tiny_model, splits, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reference")
    cfg = complete_config(tiny_model, splits, tmp / "out")
    rc, evs, stderr = run_trainer(cfg, tmp)
    assert rc == 0, stderr
    return cfg, evs


def step_losses(evs: list[dict]) -> dict[int, float]:
    return {e["step"]: e["loss"] for e in evs if e["event"] == "step"}


def test_protocol_and_loss_decreases(reference):
    cfg, evs = reference
    kinds = [e["event"] for e in evs]
    assert kinds[0] == "start" and kinds[-1] == "done"
    start, done = evs[0], evs[-1]
    # 32 records packed into 15 rows / batch 2 = 8 micro-batches = 4 optimizer steps per epoch (grad_accum 2), 4 epochs
    assert start["packing"] is True and start["train_rows"] == 15
    assert start["total_steps"] == 16 and start["train_records"] == 32 and start["eval_records"] == 8
    assert start["device"] == "cpu" and start["dtype"] == "float32" and start["resumed_from_step"] is None
    assert 0 < start["trainable_params"] < start["total_params"]
    steps = [e for e in evs if e["event"] == "step"]
    assert [s["step"] for s in steps] == list(range(1, 17))
    assert steps[-1]["epoch"] == 4.0
    first, last = sum(s["loss"] for s in steps[:4]) / 4, sum(s["loss"] for s in steps[-4:]) / 4
    assert last < 0.8 * first, (first, last)
    assert done["base_eval_loss"] == evs[1]["eval_loss"] and evs[1] == {"event": "eval", "step": 0,
                                                                         "eval_loss": done["base_eval_loss"]}
    assert done["eval_loss"] < 0.8 * done["base_eval_loss"]
    assert [e["step"] for e in evs if e["event"] == "checkpoint"] == [4, 8, 12]  # none at the final step
    assert [e["step"] for e in evs if e["event"] == "eval"] == [0, 4, 8, 12, 16]  # base, epoch ends
    metrics = json.loads(Path(done["metrics_path"]).read_text())
    assert metrics["eval_loss"] == done["eval_loss"] and len(metrics["history"]) == 16


def test_resume_reproduces_uninterrupted_trajectory(reference, tmp_path):
    cfg, evs = reference
    ckpt = Path(cfg["output_dir"]) / "checkpoints" / "step-8"
    state = json.loads((ckpt / "trainer_state.json").read_text())
    assert (state["step"], state["epoch"], state["batch_in_epoch"]) == (8, 2, 0)
    rc, resumed, stderr = run_trainer({**cfg, "output_dir": str(tmp_path / "out"), "resume_from": str(ckpt)}, tmp_path)
    assert rc == 0, stderr
    assert resumed[0]["resumed_from_step"] == 8
    want, got = step_losses(evs), step_losses(resumed)
    assert sorted(got) == list(range(9, 17))
    for s in got:
        assert abs(got[s] - want[s]) <= RESUME_TOLERANCE, (s, got[s], want[s])
    assert abs(resumed[-1]["eval_loss"] - evs[-1]["eval_loss"]) <= RESUME_TOLERANCE
    assert resumed[-1]["base_eval_loss"] == evs[-1]["base_eval_loss"]  # carried in the checkpoint


def test_resume_with_different_settings_is_refused(reference, tmp_path):
    cfg, _ = reference
    ckpt = Path(cfg["output_dir"]) / "checkpoints" / "step-4"
    rc, evs, _ = run_trainer({**cfg, "learning_rate": 0.02, "output_dir": str(tmp_path / "o"), "resume_from": str(ckpt)},
                             tmp_path)
    assert rc == 2 and evs[-1]["event"] == "error" and "resume_from" in evs[-1]["message"]


def test_adapter_loads_with_peft_and_changes_outputs(reference, tiny_model):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    _, evs = reference
    adapter = Path(evs[-1]["adapter_dir"])
    assert (adapter / "adapter_config.json").is_file() and (adapter / "adapter_model.safetensors").is_file()
    ids = torch.tensor([[5, 40, 41, 42, 43, 44]])
    base = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    with torch.no_grad():
        before = base(input_ids=ids).logits
        tuned = PeftModel.from_pretrained(base, adapter).eval()
        after = tuned(input_ids=ids).logits
        with tuned.disable_adapter():
            disabled = tuned(input_ids=ids).logits
    assert not torch.allclose(before, after, atol=1e-3)
    assert torch.allclose(before, disabled, atol=1e-6)


def test_sigterm_saves_resumable_checkpoint(reference, tmp_path):
    cfg, ref_evs = reference
    run_cfg = {**cfg, "output_dir": str(tmp_path / "out")}
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(run_cfg))
    proc = subprocess.Popen(trainer_cmd(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=trainer_env())
    lines = []
    for line in proc.stdout:  # wait until training is under way
        lines.append(line)
        if json.loads(line)["event"] == "step":
            proc.send_signal(signal.SIGTERM)
            break
    rest, stderr = proc.communicate(timeout=120)
    evs = events("".join(lines) + rest)
    assert proc.returncode == 143, stderr
    last = evs[-1]
    assert last["event"] == "cancelled" and last["step"] >= 1, evs[-3:]
    ckpt = Path(last["checkpoint"])
    assert ckpt.name == f"step-{last['step']}" and (ckpt / "adapter" / "adapter_model.safetensors").is_file()
    assert not list(ckpt.parent.glob(".tmp-*"))  # nothing half-written left behind

    rc, resumed, stderr = run_trainer({**run_cfg, "resume_from": "latest"}, tmp_path, "resume.json")
    assert rc == 0, stderr
    assert resumed[0]["resumed_from_step"] == last["step"] and resumed[-1]["event"] == "done"
    want, got = step_losses(ref_evs), step_losses(resumed)
    assert sorted(got) == list(range(last["step"] + 1, 17))
    assert all(abs(got[s] - want[s]) <= RESUME_TOLERANCE for s in got)
