"""Training config: parse a JSON object into a typed TrainConfig, or fail with every problem
listed as `field: reason` so the caller can fix them all at once."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMATS = ("chat", "prompt_completion", "text")
SCHEDULERS = ("linear", "cosine", "constant")


class ConfigError(ValueError):
    """Invalid config; `problems` holds one "field: reason" string per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid training config: " + "; ".join(problems))


@dataclass(frozen=True)
class LoraSettings:
    r: int = 16
    alpha: float = 32.0
    dropout: float = 0.05
    target_modules: str | tuple[str, ...] = "all-linear"


@dataclass(frozen=True)
class TrainConfig:
    base_model: str
    train_file: str
    output_dir: str
    format: str = "chat"
    eval_file: str | None = None
    resume_from: str | None = None
    lora: LoraSettings = field(default_factory=LoraSettings)
    epochs: int = 3
    learning_rate: float = 2e-4
    lr_scheduler: str = "linear"
    warmup_ratio: float = 0.0
    batch_size: int = 8
    grad_accum: int = 1
    max_seq_len: int = 512
    seed: int = 42
    checkpoint_every: int | None = None
    max_steps: int | None = None
    device: str = "auto"
    eval_every: int | None = None
    weight_decay: float = 0.0
    max_grad_norm: float | None = 1.0

    def fingerprint(self) -> str:
        """Hash of every field that shapes the optimisation trajectory. A checkpoint only
        resumes a run with the same fingerprint (paths, device and cadence may differ)."""
        d = asdict(self)
        for k in ("base_model", "train_file", "eval_file", "output_dir", "resume_from", "device",
                  "checkpoint_every", "eval_every"):
            d.pop(k)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


# field -> (allowed python types, required)
_TOP: dict[str, tuple[tuple[type, ...], bool]] = {
    "base_model": ((str,), True), "train_file": ((str,), True), "output_dir": ((str,), True),
    "format": ((str,), False), "eval_file": ((str, type(None)), False),
    "resume_from": ((str, type(None)), False), "lora": ((dict,), False),
    "epochs": ((int,), False), "learning_rate": ((int, float), False),
    "lr_scheduler": ((str,), False), "warmup_ratio": ((int, float), False),
    "batch_size": ((int,), False), "grad_accum": ((int,), False), "max_seq_len": ((int,), False),
    "seed": ((int,), False), "checkpoint_every": ((int, type(None)), False),
    "max_steps": ((int, type(None)), False), "device": ((str,), False),
    "eval_every": ((int, type(None)), False), "weight_decay": ((int, float), False),
    "max_grad_norm": ((int, float, type(None)), False),
}
_LORA: dict[str, tuple[type, ...]] = {
    "r": (int,), "alpha": (int, float), "dropout": (int, float), "target_modules": (str, list),
}
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", dict: "an object",
               list: "a list", type(None): "null"}


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # bool is an int subclass; never accept it as a number
        return False
    return isinstance(value, types)


def _describe(types: tuple[type, ...]) -> str:
    names: list[str] = []
    for t in types:
        name = "a number" if t in (int, float) and float in types else _TYPE_NAMES[t]
        if name not in names:
            names.append(name)
    return " or ".join(names)


def parse_config(raw: Any) -> TrainConfig:
    if not isinstance(raw, dict):
        raise ConfigError(["(root): must be a JSON object"])
    problems: list[str] = []
    for key in raw:
        if key not in _TOP:
            problems.append(f"{key}: unknown field (allowed: {', '.join(sorted(_TOP))})")
    for key, (types, required) in _TOP.items():
        if key not in raw:
            if required:
                problems.append(f"{key}: required")
        elif not _type_ok(raw[key], types):
            problems.append(f"{key}: must be {_describe(types)}, got {json.dumps(raw[key])}")
    if problems:
        raise ConfigError(problems)

    lora_raw = raw.get("lora", {})
    for key in lora_raw:
        if key not in _LORA:
            problems.append(f"lora.{key}: unknown field (allowed: {', '.join(_LORA)})")
    for key, types in _LORA.items():
        if key in lora_raw and not _type_ok(lora_raw[key], types):
            problems.append(f"lora.{key}: must be {_describe(types)}, got {json.dumps(lora_raw[key])}")
    if problems:
        raise ConfigError(problems)

    tm = lora_raw.get("target_modules", "all-linear")
    if isinstance(tm, list):
        if not tm or not all(isinstance(m, str) and m for m in tm):
            problems.append("lora.target_modules: must be \"all-linear\" or a non-empty list of module names")
        tm = tuple(tm)
    elif tm != "all-linear":
        problems.append(f"lora.target_modules: must be \"all-linear\" or a list of module names, got {json.dumps(tm)}")
    lora = LoraSettings(
        r=lora_raw.get("r", 16), alpha=float(lora_raw.get("alpha", 32.0)),
        dropout=float(lora_raw.get("dropout", 0.05)), target_modules=tm,
    )
    fields = {k: v for k, v in raw.items() if k != "lora"}
    for k in ("learning_rate", "warmup_ratio", "weight_decay", "max_grad_norm"):
        if isinstance(fields.get(k), int):
            fields[k] = float(fields[k])
    cfg = TrainConfig(lora=lora, **fields)

    def check(ok: bool, msg: str) -> None:
        if not ok:
            problems.append(msg)

    check(cfg.format in FORMATS, f"format: must be one of {', '.join(FORMATS)}, got {json.dumps(cfg.format)}")
    check(cfg.lr_scheduler in SCHEDULERS,
          f"lr_scheduler: must be one of {', '.join(SCHEDULERS)}, got {json.dumps(cfg.lr_scheduler)}")
    check(lora.r >= 1, f"lora.r: must be >= 1, got {lora.r}")
    check(lora.alpha > 0, f"lora.alpha: must be > 0, got {lora.alpha}")
    check(0 <= lora.dropout < 1, f"lora.dropout: must be in [0, 1), got {lora.dropout}")
    check(cfg.epochs >= 1, f"epochs: must be >= 1, got {cfg.epochs}")
    check(0 < cfg.learning_rate < 1, f"learning_rate: must be in (0, 1), got {cfg.learning_rate}")
    check(0 <= cfg.warmup_ratio < 1, f"warmup_ratio: must be in [0, 1), got {cfg.warmup_ratio}")
    check(cfg.batch_size >= 1, f"batch_size: must be >= 1, got {cfg.batch_size}")
    check(cfg.grad_accum >= 1, f"grad_accum: must be >= 1, got {cfg.grad_accum}")
    check(cfg.max_seq_len >= 8, f"max_seq_len: must be >= 8, got {cfg.max_seq_len}")
    check(cfg.checkpoint_every is None or cfg.checkpoint_every >= 1,
          f"checkpoint_every: must be >= 1 or null, got {cfg.checkpoint_every}")
    check(cfg.eval_every is None or cfg.eval_every >= 1, f"eval_every: must be >= 1 or null, got {cfg.eval_every}")
    check(cfg.max_steps is None or cfg.max_steps >= 1, f"max_steps: must be >= 1 or null, got {cfg.max_steps}")
    check(cfg.weight_decay >= 0, f"weight_decay: must be >= 0, got {cfg.weight_decay}")
    check(cfg.max_grad_norm is None or cfg.max_grad_norm > 0,
          f"max_grad_norm: must be > 0 or null, got {cfg.max_grad_norm}")
    check(cfg.device == "auto" or cfg.device == "cpu" or cfg.device.startswith("cuda"),
          f"device: must be \"auto\", \"cpu\", \"cuda\" or \"cuda:N\", got {json.dumps(cfg.device)}")
    if not cfg.base_model.startswith("hf://"):
        check(Path(_strip_file(cfg.base_model)).is_dir(),
              f"base_model: {cfg.base_model} is not a directory (use a local path, file://path or hf://org/name)")
    check(Path(_strip_file(cfg.train_file)).is_file(), f"train_file: {cfg.train_file} does not exist")
    if cfg.eval_file is not None:
        check(Path(_strip_file(cfg.eval_file)).is_file(), f"eval_file: {cfg.eval_file} does not exist")
    if cfg.resume_from not in (None, "latest"):
        check(Path(_strip_file(cfg.resume_from)).is_dir(),
              f"resume_from: {cfg.resume_from} is not a checkpoint directory")
    if problems:
        raise ConfigError(problems)
    return cfg


def _strip_file(uri: str) -> str:
    return uri[len("file://"):] if uri.startswith("file://") else uri


def local_path(uri: str) -> Path:
    """A config path that may be written as file://..."""
    return Path(_strip_file(uri))


def load_config(path: str | Path) -> TrainConfig:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError([f"(file): cannot read {path}: {e.strerror}"]) from e
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError([f"(file): {path} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"]) from e
    return parse_config(raw)
