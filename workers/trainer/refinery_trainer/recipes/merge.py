"""`merge`: fold a LoRA adapter into its base model and save a plain HF model, top to bottom:

  config: Config (every field required) -- the contract is PROTOCOL.md
  load:   base model (bf16 on CUDA that supports it, else fp32) -> PeftModel with the adapter
  check:  logits of a fixed probe sequence through base + adapter (kept for the check below)
  merge:  merge_and_unload() -> W + scale * B @ A in every adapted layer, no peft left
  check:  the merged model's logits on the probe must match base + adapter's
  save:   safetensors + config to output_dir; the base's tokenizer files copied byte-for-byte
          (never re-saved: a round trip through transformers may rewrite them)
  finish: `done` with the merged dir, parameter count, dtype, copied tokenizer files

Recipe interface (cli.py): `Config`, `load_config(path) -> Config`, `run(cfg, cancel) -> int`.
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ..cancellation import Cancellation, Cancelled
from ..config import device_problem, load_checked, local_path
from ..data import DEFAULT_CHAT_TEMPLATE
from ..errors import InvalidInput
from ..model_source import resolve_base_model
from ..progress import emit, log
from ..runtime import configure_cpu_threads, load_model, pick_device

# Tokenizer files a HF model dir may carry; every one present in the base is copied as is.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                   "added_tokens.json", "vocab.json", "vocab.txt", "merges.txt", "chat_template.jinja",
                   "chat_template.json")
# Logits of the merged model must match base + adapter within this (max |difference|, fp32).
MERGE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Config:
    base_model: str
    adapter_dir: str
    output_dir: str
    device: str


def config_problems(cfg: Config) -> list[str]:
    problems = []
    if not cfg.base_model.startswith("hf://") and not local_path(cfg.base_model).is_dir():
        problems.append(f"base_model: {cfg.base_model} is not a directory (use a local path, file://path or hf://org/name)")
    adapter = local_path(cfg.adapter_dir)
    if not (adapter / "adapter_config.json").is_file():
        problems.append(f"adapter_dir: {cfg.adapter_dir} is not a PEFT adapter directory (no adapter_config.json)")
    if bad_device := device_problem(cfg.device):
        problems.append(bad_device)
    if local_path(cfg.output_dir).resolve() in (adapter.resolve(), local_path(cfg.base_model).resolve()):
        problems.append("output_dir: must differ from base_model and adapter_dir")
    return problems


def load_config(path: str | Path) -> Config:
    return load_checked(path, Config, config_problems)


def tokenizer_files(model_dir: Path) -> list[str]:
    names = [n for n in TOKENIZER_FILES if (model_dir / n).is_file()]
    names += sorted(p.name for p in model_dir.glob("*.jinja") if p.name not in names)  # other chat templates
    return names


def has_chat_template(model_dir: Path) -> bool:
    if (model_dir / "chat_template.jinja").is_file() or (model_dir / "chat_template.json").is_file():
        return True
    try:
        return bool(json.loads((model_dir / "tokenizer_config.json").read_text(encoding="utf-8")).get("chat_template"))
    except (OSError, ValueError):
        return False


def probe_ids(model, device) -> torch.Tensor:
    """A fixed, model-independent token sequence for the merge check."""
    vocab = model.config.vocab_size
    return (torch.arange(32, device=device).unsqueeze(0) * 7919 + 13) % vocab


@torch.no_grad()
def logits_of(model, ids: torch.Tensor) -> torch.Tensor:
    return model(input_ids=ids).logits.float()


def run(cfg: Config, cancel: Cancellation) -> int:
    t0 = time.perf_counter()
    try:
        return _merge(cfg, cancel, t0)
    except Cancelled:
        emit("cancelled", step=0, checkpoint=None)
        log(f"merge cancelled by signal {cancel.signum}; nothing kept")
        return cancel.exit_code


def _merge(cfg: Config, cancel: Cancellation, t0: float) -> int:
    from peft import PeftModel

    device, dtype = pick_device(cfg.device)
    if device.type == "cpu":
        configure_cpu_threads()
    base_dir = resolve_base_model(cfg.base_model)
    adapter_dir = local_path(cfg.adapter_dir)
    out_dir = local_path(cfg.output_dir)

    emit("progress", phase="load")
    model = load_model(base_dir, device, dtype)
    cancel.check()
    try:
        model = PeftModel.from_pretrained(model, adapter_dir)
    except torch.OutOfMemoryError:
        raise
    except (ValueError, KeyError, RuntimeError) as e:  # wrong base, shape mismatch, unknown modules
        raise InvalidInput(f"adapter_dir: {adapter_dir} does not fit base_model {cfg.base_model}: {e}") from e
    model.eval()
    ids = probe_ids(model, device)
    expected = logits_of(model, ids)
    cancel.check()

    emit("progress", phase="merge")
    merged = model.merge_and_unload()
    diff = float((logits_of(merged, ids) - expected).abs().max())
    tolerance = MERGE_TOLERANCE if dtype == torch.float32 else 0.1 * float(expected.abs().max())  # bf16: looser
    if not diff <= tolerance:
        raise RuntimeError(f"merged model's logits differ from base + adapter by {diff:.3g} (> {tolerance:.3g})")
    cancel.check()

    emit("progress", phase="save")
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    merged.config.use_cache = True  # load_model turned it off for training; the export is for inference
    merged.save_pretrained(tmp, safe_serialization=True)
    copied = tokenizer_files(base_dir)
    for name in copied:
        shutil.copyfile(base_dir / name, tmp / name)
    chat_template = "base"
    if not has_chat_template(base_dir):
        # training rendered chats with the default template (data.DEFAULT_CHAT_TEMPLATE); keep it with the model
        (tmp / "chat_template.jinja").write_text(DEFAULT_CHAT_TEMPLATE, encoding="utf-8")
        chat_template = "default"
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)

    parameters = sum(p.numel() for p in merged.parameters())
    emit("done", merged_dir=str(out_dir), parameters=parameters, dtype=str(dtype).removeprefix("torch."),
         tokenizer_files=copied, chat_template=chat_template, max_logit_diff=diff,
         seconds=round(time.perf_counter() - t0, 3))
    return 0
