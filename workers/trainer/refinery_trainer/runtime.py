"""What every GPU recipe shares: device and seeding, loading the base model and its tokenizer,
and the loss and eval loop (so training, merge checks and evaluation measure loss identically).
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from transformers import AutoModelForCausalLM, AutoTokenizer

from .cancellation import Cancellation
from .config import ConfigError
from .data import IGNORE, Example, collate, ensure_chat_template
from .model_source import ModelSourceError
from .progress import log

# --- device and seeding --------------------------------------------------------------------------


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def pick_device(setting: str) -> tuple[torch.device, torch.dtype]:
    if setting == "auto":
        setting = "cuda" if torch.cuda.is_available() else "cpu"
    if setting.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError([f"device: {setting} requested but CUDA is not available on this host"])
    device = torch.device(setting)
    # bf16 weights on GPUs that support it; fp32 on CPU, where bf16 matmuls are slow and lossy
    dtype = torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
    return device, dtype


def configure_cpu_threads() -> None:
    """Unless OMP_NUM_THREADS says otherwise, train on half the cores. On a shared host (the dev
    stack runs Postgres, Temporal and Node beside the trainer) OpenMP threads that outnumber the
    free cores spin-wait on each other: on 2 busy cores, 2 threads fell to ~100-200 tokens/s while
    1 thread held ~4,500 (docs/benchmarks.md, Training)."""
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, (os.cpu_count() or 2) // 2))
    log(f"CPU training with {torch.get_num_threads()} thread(s)")


# --- base model ----------------------------------------------------------------------------------
# Two calls, not one: recipes read their data with the tokenizer (and check for cancellation)
# before paying for the model load. `model_dir` comes from model_source.resolve_base_model.


def load_tokenizer(model_dir: Path):
    """The base model's tokenizer, with the default chat template if it has none, and the pad id
    batches are padded with (eos when the tokenizer has no pad token)."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    ensure_chat_template(tokenizer)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    if pad_id is None:
        raise ModelSourceError("base_model: tokenizer has neither a pad nor an eos token")
    return tokenizer, pad_id


def load_model(model_dir: Path, device: torch.device, dtype: torch.dtype):
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).to(device)
    model.config.use_cache = False  # the KV cache is for generation; it only costs memory here
    return model


# --- loss and evaluation -------------------------------------------------------------------------


def loss_sum(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Summed next-token cross-entropy over the trained (non-masked) tokens of a batch: padded
    (attention_mask) or packed (position_ids restarting per example, no attention_mask: see
    data.collate_packed)."""
    if "position_ids" in batch:
        # use_cache=False is load-bearing: with a KV cache transformers does not look for packed
        # sequences in the position ids, and every example would attend to those before it in its row
        logits = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits
    else:
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    return F.cross_entropy(logits[:, :-1].float().flatten(0, 1), batch["labels"][:, 1:].flatten(),
                           ignore_index=IGNORE, reduction="sum")


def trained_tokens(batch: dict[str, torch.Tensor]) -> int:
    return int((batch["labels"][:, 1:] != IGNORE).sum())


@torch.no_grad()
def evaluate(model, examples: list[Example], batch_size: int, pad_id: int, device, cancel: Cancellation) -> float | None:
    """Token-weighted mean loss over the trained tokens of the eval set (None if cancelled)."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(examples), batch_size):
        if cancel.requested:
            return None
        batch = {k: v.to(device) for k, v in collate(examples[i:i + batch_size], pad_id).items()}
        total += float(loss_sum(model, batch))
        count += trained_tokens(batch)
    model.train(was_training)
    return total / max(count, 1)
