"""Checkpoints: everything needed to continue a run as if it had never stopped.

Layout of output_dir/checkpoints/step-<N>/:
  adapter/               PEFT adapter (adapter_config.json + adapter_model.safetensors), loadable on its own
  optimizer.pt           AdamW state
  scheduler.pt           LR scheduler state
  rng.pt                 python, numpy, torch CPU and CUDA RNG states at the step boundary
  trainer_state.json     step, data position (epoch, batch), config fingerprint, loss history, ...

A checkpoint is written into a hidden temporary directory and renamed into place, so a reader
(or a worker that died mid-write) never sees a half-written one: `step-<N>` exists => complete.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from peft import set_peft_model_state_dict
from safetensors.torch import load_file

from .config import ConfigError

STATE_FILE = "trainer_state.json"
_STEP_DIR = re.compile(r"^step-(\d+)$")


def capture_rng() -> dict[str, Any]:
    np_state = np.random.get_state()
    return {
        "python": random.getstate(),
        # numpy's state holds an ndarray; store it as plain lists so torch.load(weights_only=True) accepts it
        "numpy": [np_state[0], np_state[1].tolist(), int(np_state[2]), int(np_state[3]), float(np_state[4])],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng(state: dict[str, Any]) -> None:
    version, keys, internal = state["python"]
    random.setstate((version, tuple(keys), internal))
    name, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, gauss))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _fsync_tree(root: Path) -> None:
    for p in sorted(root.rglob("*")):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_checkpoint(output_dir: Path, step: int, model, optimizer, scheduler,
                    rng_state: dict[str, Any], trainer_state: dict[str, Any]) -> Path:
    root = output_dir / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"step-{step}"
    if final.is_dir():  # same step already saved (e.g. cancel right after a periodic save)
        return final
    tmp = root / f".tmp-step-{step}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    model.save_pretrained(tmp / "adapter")
    torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
    torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
    torch.save(rng_state, tmp / "rng.pt")
    (tmp / STATE_FILE).write_text(json.dumps({**trainer_state, "step": step}, indent=1))
    _fsync_tree(tmp)
    os.rename(tmp, final)
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return final


def latest_checkpoint(output_dir: Path) -> Path | None:
    root = output_dir / "checkpoints"
    if not root.is_dir():
        return None
    steps = [(int(m.group(1)), p) for p in root.iterdir() if (m := _STEP_DIR.match(p.name)) and p.is_dir()]
    return max(steps)[1] if steps else None


def read_trainer_state(path: Path) -> dict[str, Any]:
    f = path / STATE_FILE
    if not f.is_file():
        raise ConfigError([f"resume_from: {path} is not a checkpoint (no {STATE_FILE})"])
    return json.loads(f.read_text())


def load_checkpoint(path: Path, model, optimizer, scheduler, device: torch.device) -> dict[str, Any]:
    """Loads adapter weights, optimizer and scheduler state into the given objects and restores
    the RNGs. Returns the trainer state."""
    state = read_trainer_state(path)
    weights = load_file(str(path / "adapter" / "adapter_model.safetensors"), device=str(device))
    result = set_peft_model_state_dict(model, weights)
    unexpected = getattr(result, "unexpected_keys", [])
    if unexpected:
        raise ConfigError([f"resume_from: adapter in {path} does not match the model (unexpected keys {unexpected[:3]})"])
    optimizer.load_state_dict(torch.load(path / "optimizer.pt", map_location=device, weights_only=True))
    scheduler.load_state_dict(torch.load(path / "scheduler.pt", weights_only=True))
    restore_rng(torch.load(path / "rng.pt", weights_only=True))
    return state
