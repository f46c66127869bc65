"""`train`: LoRA supervised fine-tuning of a causal LM, top to bottom:

  config: Config (every field required; types from the annotations, ranges and paths in
          config_problems) -- the contract is PROTOCOL.md
  setup:  device/dtype (nf4 support check) -> tokenizer -> records -> token ids/labels -> rows
          (packed, data.pack_rows, or one record each) -> base model (full precision or NF4,
          gradient checkpointing) -> LoRA wrap -> AdamW + LR schedule -> CUDA batch probe (memory.py)
          -> (resume: adapter, optimizer, scheduler, RNG, data position)
  base eval (fresh runs): eval loss of the untouched base model = step 0 eval
  loop:   per optimizer step, batch_size x grad_accum rows in micro-batches (bf16 autocast on
          CUDA); loss = token-weighted mean over the
          trained tokens of the whole step; clip, step, schedule; emit progress;
          checkpoint / eval on cadence; on SIGTERM save a checkpoint and stop
  finish: adapter dir + metrics.json + `done`

Recipe interface (cli.py): `Config`, `load_config(path) -> Config`, `run(cfg, cancel) -> int`.
Progress goes to stdout as JSON lines (progress.emit); everything else goes to stderr.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from transformers import get_scheduler

from .. import checkpoint as ckpt
from ..cancellation import Cancellation
from ..config import ConfigError, device_problem, local_path, parse, read_json
from .. import memory, quantized_base
from ..data import (DataError, Example, collate, collate_packed, encode_all, epoch_batches, pack_rows, read_records,
                    real_tokens)
from ..model_source import resolve_base_model
from ..progress import Throughput, emit, log
from ..runtime import (configure_cpu_threads, evaluate, load_model, load_tokenizer, loss_sum, pick_device,
                       seed_everything, trained_tokens)

FORMATS = ("chat", "prompt_completion", "text")
SCHEDULER_NAMES = {"linear": "linear", "cosine": "cosine", "constant": "constant_with_warmup"}
# attention implementations that build a block-diagonal mask from packed rows' position ids (transformers 5.23)
PACKED_ATTENTION = ("sdpa", "eager", "flex_attention")

# --- config ----------------------------------------------------------------------------------------
# No defaults on purpose: the TypeScript worker sends every field (PROTOCOL.md), so a value is
# decided in exactly one place.


@dataclass(frozen=True)
class LoraSettings:
    r: int
    alpha: float
    dropout: float
    target_modules: str | tuple[str, ...]


@dataclass(frozen=True)
class Config:
    base_model: str
    train_file: str
    eval_file: str | None
    format: str
    output_dir: str
    resume_from: str | None
    lora: LoraSettings
    epochs: int
    learning_rate: float
    lr_scheduler: str
    warmup_ratio: float
    batch_size: int
    grad_accum: int
    max_seq_len: int
    seed: int
    checkpoint_every: int
    max_steps: int | None
    device: str
    eval_every: int | None
    weight_decay: float
    max_grad_norm: float | None
    packing: bool
    gradient_checkpointing: bool
    quantize_base: str | None

    def fingerprint(self) -> str:
        """Hash of every field that shapes the optimisation trajectory. A checkpoint only
        resumes a run with the same fingerprint (paths, device, cadence and gradient
        checkpointing, which trades memory for time only, may differ)."""
        d = asdict(self)
        for k in ("base_model", "train_file", "eval_file", "output_dir", "resume_from", "device",
                  "checkpoint_every", "eval_every", "gradient_checkpointing"):
            d.pop(k)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def lora_training_problems(cfg) -> list[str]:
    """Range and existence checks of the fields every LoRA training recipe (sft, dpo) shares, one
    `field: reason` per problem (types are already right)."""
    lora, problems = cfg.lora, []

    def check(ok: bool, msg: str) -> None:
        if not ok:
            problems.append(msg)

    tm = lora.target_modules
    if isinstance(tm, tuple):
        check(bool(tm) and all(isinstance(m, str) and m for m in tm),
              "lora.target_modules: must be \"all-linear\" or a non-empty list of module names")
    else:
        check(tm == "all-linear",
              f"lora.target_modules: must be \"all-linear\" or a list of module names, got {json.dumps(tm)}")
    check(cfg.lr_scheduler in SCHEDULER_NAMES,
          f"lr_scheduler: must be one of {', '.join(SCHEDULER_NAMES)}, got {json.dumps(cfg.lr_scheduler)}")
    check(lora.r >= 1, f"lora.r: must be >= 1, got {lora.r}")
    check(lora.alpha > 0, f"lora.alpha: must be > 0, got {lora.alpha}")
    check(0 <= lora.dropout < 1, f"lora.dropout: must be in [0, 1), got {lora.dropout}")
    check(cfg.epochs >= 1, f"epochs: must be >= 1, got {cfg.epochs}")
    check(0 < cfg.learning_rate < 1, f"learning_rate: must be in (0, 1), got {cfg.learning_rate}")
    check(0 <= cfg.warmup_ratio < 1, f"warmup_ratio: must be in [0, 1), got {cfg.warmup_ratio}")
    check(cfg.batch_size >= 1, f"batch_size: must be >= 1, got {cfg.batch_size}")
    check(cfg.grad_accum >= 1, f"grad_accum: must be >= 1, got {cfg.grad_accum}")
    check(cfg.max_seq_len >= 8, f"max_seq_len: must be >= 8, got {cfg.max_seq_len}")
    check(cfg.checkpoint_every >= 1, f"checkpoint_every: must be >= 1, got {cfg.checkpoint_every}")
    check(cfg.eval_every is None or cfg.eval_every >= 1, f"eval_every: must be >= 1 or null, got {cfg.eval_every}")
    check(cfg.max_steps is None or cfg.max_steps >= 1, f"max_steps: must be >= 1 or null, got {cfg.max_steps}")
    check(cfg.weight_decay >= 0, f"weight_decay: must be >= 0, got {cfg.weight_decay}")
    check(cfg.max_grad_norm is None or cfg.max_grad_norm > 0,
          f"max_grad_norm: must be > 0 or null, got {cfg.max_grad_norm}")
    if bad_device := device_problem(cfg.device):
        problems.append(bad_device)
    if not cfg.base_model.startswith("hf://"):
        check(local_path(cfg.base_model).is_dir(),
              f"base_model: {cfg.base_model} is not a directory (use a local path, file://path or hf://org/name)")
    check(local_path(cfg.train_file).is_file(), f"train_file: {cfg.train_file} does not exist")
    if cfg.eval_file is not None:
        check(local_path(cfg.eval_file).is_file(), f"eval_file: {cfg.eval_file} does not exist")
    if cfg.resume_from not in (None, "latest"):
        check(local_path(cfg.resume_from).is_dir(), f"resume_from: {cfg.resume_from} is not a checkpoint directory")
    return problems


def config_problems(cfg: Config) -> list[str]:
    problems = lora_training_problems(cfg)
    if cfg.format not in FORMATS:
        problems.append(f"format: must be one of {', '.join(FORMATS)}, got {json.dumps(cfg.format)}")
    if cfg.quantize_base is not None and cfg.quantize_base not in quantized_base.QUANT_TYPES:
        problems.append(f"quantize_base: must be null or one of {', '.join(quantized_base.QUANT_TYPES)}, "
                        f"got {json.dumps(cfg.quantize_base)}")
    return problems


def parse_config(raw) -> Config:
    cfg = parse(raw, Config)
    problems = config_problems(cfg)
    if problems:
        raise ConfigError(problems)
    return cfg


def load_config(path: str | Path) -> Config:
    return parse_config(read_json(path))


# --- building blocks -------------------------------------------------------------------------------


def lora_config(settings: LoraSettings) -> LoraConfig:
    targets = settings.target_modules
    return LoraConfig(r=settings.r, lora_alpha=settings.alpha, lora_dropout=settings.dropout, bias="none",
                      target_modules=targets if isinstance(targets, str) else list(targets), task_type="CAUSAL_LM")


def autocast(device: torch.device, dtype: torch.dtype | None):
    """bf16 autocast on CUDA devices with bf16 (the LoRA weights stay fp32 masters); a no-op
    context otherwise. CPU stays fp32: most CPUs lack bf16 matmul units (no AMX/AVX512-BF16),
    where autocast is slower, and fp32 keeps CPU runs bitwise reproducible."""
    return torch.autocast(device_type=device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


def optimizer_step(model, micro_batches: list[dict[str, torch.Tensor]], optimizer, scheduler,
                   max_grad_norm: float | None, stop_requested=lambda: False,
                   autocast_dtype: torch.dtype | None = None) -> float | None:
    """One optimizer step over grad_accum micro-batches (padded or packed). The loss is
    normalised by the trained tokens of the whole step, so every token weighs the same however
    the batches are padded, packed or split. Returns the step's loss, or None (gradients
    dropped) if a stop was requested."""
    n_trained = max(sum(trained_tokens(b) for b in micro_batches), 1)
    loss_total = 0.0
    for batch in micro_batches:
        if stop_requested():
            optimizer.zero_grad(set_to_none=True)
            return None
        with autocast(batch["input_ids"].device, autocast_dtype):
            loss = loss_sum(model, batch) / n_trained
        loss.backward()
        loss_total += float(loss.detach())
    if max_grad_norm is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return loss_total


def load_examples(path: str, cfg: Config, tokenizer, field: str) -> tuple[list[Example], int, int]:
    records = read_records(local_path(path), cfg.format, field=field)
    examples, dropped = encode_all(records, tokenizer, cfg.format, cfg.max_seq_len)
    if dropped:
        log(f"{field}: dropped {dropped} of {len(records)} records with no trained token left after "
            f"truncation to max_seq_len={cfg.max_seq_len}")
    if not examples:
        raise DataError(f"{field}: every record was dropped; raise max_seq_len (now {cfg.max_seq_len})")
    return examples, len(records), dropped


def find_resume_checkpoint(cfg: Config, out_dir: Path) -> Path | None:
    if cfg.resume_from is None:
        return None
    if cfg.resume_from == "latest":
        path = ckpt.latest_checkpoint(out_dir)
        if path is None:
            log(f"resume_from=latest: no checkpoint in {out_dir / 'checkpoints'}; starting fresh")
            return None
    else:
        path = local_path(cfg.resume_from)
    if ckpt.read_trainer_state(path)["fingerprint"] != cfg.fingerprint():
        raise ConfigError([f"resume_from: {path} was written by a run with different training settings "
                           "(lora, epochs, learning rate, schedule, batch size, grad_accum, max_seq_len, packing, quantize_base, seed, "
                           "max_steps, format, weight decay or clipping); resume with the original config"])
    return path


# --- run ---------------------------------------------------------------------------------------


def run(cfg: Config, cancel: Cancellation) -> int:
    """Trains; the last event is `done` (returns 0) or `cancelled` (returns 128 + signal). Bad
    input raises an InvalidInput subclass; cli.py turns exceptions into the `error` event."""
    t_start = time.perf_counter()
    out_dir = local_path(cfg.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    device, dtype = pick_device(cfg.device)
    if device.type == "cpu":
        configure_cpu_threads()
    if cfg.quantize_base is not None and (problem := quantized_base.support_problem(device)):
        raise ConfigError([problem])  # before any data or model is loaded
    autocast_dtype = torch.bfloat16 if dtype == torch.bfloat16 else None
    resume_path = find_resume_checkpoint(cfg, out_dir)  # before the slow loading: a bad resume fails fast
    seed_everything(cfg.seed)

    def cancelled_during_setup() -> int:
        # nothing new to save: the checkpoint we were resuming from (if any) is still the latest
        step = ckpt.read_trainer_state(resume_path)["step"] if resume_path else 0
        emit("cancelled", step=step, checkpoint=str(resume_path) if resume_path else None)
        return cancel.exit_code

    model_dir = resolve_base_model(cfg.base_model)
    tokenizer, pad_id = load_tokenizer(model_dir)

    train, n_train_records, train_dropped = load_examples(cfg.train_file, cfg, tokenizer, "train_file")
    evals, n_eval_records = ([], 0)
    if cfg.eval_file:
        evals, n_eval_records, _ = load_examples(cfg.eval_file, cfg, tokenizer, "eval_file")

    # Training units: packed rows of several examples, or one example each (data.pack_rows)
    rows = pack_rows([len(e.input_ids) for e in train], cfg.max_seq_len) if cfg.packing else [[i] for i in range(len(train))]

    def collate_rows(row_ids: list[int]) -> dict[str, torch.Tensor]:
        if cfg.packing:
            batch = collate_packed([[train[i] for i in rows[r]] for r in row_ids], pad_id)
        else:
            batch = collate([train[rows[r][0]] for r in row_ids], pad_id)
        return {k: v.to(device) for k, v in batch.items()}

    if cancel.requested:
        return cancelled_during_setup()
    if cfg.quantize_base is not None:
        model = quantized_base.load_nf4_model(model_dir, device, dtype, cfg.gradient_checkpointing)
    else:
        model = load_model(model_dir, device, dtype)
        if cfg.gradient_checkpointing:  # non-reentrant: works with frozen inputs, keeps dropout's RNG on recompute
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    attention = getattr(model.config, "_attn_implementation", None)
    if cfg.packing and attention not in PACKED_ATTENTION:
        # flash attention reads packed rows from position ids only for a batch of one row; with more it
        # would let records attend across their boundaries, silently
        raise ConfigError([f"packing: the base model loads with attention implementation {attention!r}; packed rows "
                           f"are supported with {', '.join(PACKED_ATTENTION)}; train with packing off"])
    torch.manual_seed(cfg.seed)  # LoRA init must not depend on what model loading consumed
    model = get_peft_model(model, lora_config(cfg.lora))
    trainable_params, total_params = model.get_nb_trainable_parameters()

    batches_per_epoch = math.ceil(len(rows) / cfg.batch_size)
    steps_per_epoch = math.ceil(batches_per_epoch / cfg.grad_accum)
    total_steps = steps_per_epoch * cfg.epochs
    if cfg.max_steps is not None:
        total_steps = min(total_steps, cfg.max_steps)

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.learning_rate,
                                  weight_decay=cfg.weight_decay)
    scheduler = get_scheduler(SCHEDULER_NAMES[cfg.lr_scheduler], optimizer,
                              num_warmup_steps=math.ceil(cfg.warmup_ratio * total_steps),
                              num_training_steps=total_steps)

    micro_batch = cfg.batch_size
    if device.type == "cuda":  # the largest micro-batch that fits; the step's rows stay the same
        row_lengths = [sum(len(train[i].input_ids) for i in r) for r in rows]
        micro_batch = probe_micro_batch(model, row_lengths, collate_rows, cfg.batch_size * cfg.grad_accum, device,
                                        autocast_dtype)
        log(f"batch probe: micro-batches of {micro_batch} row(s), "
            f"{math.ceil(cfg.batch_size * cfg.grad_accum / micro_batch)} per optimizer step")
    else:
        log("batch probe skipped on CPU: micro-batches are batch_size rows, as configured")

    if cancel.requested:
        return cancelled_during_setup()

    # --- resume -------------------------------------------------------------------------------
    step, history, evals_log, base_eval_loss, train_seconds = 0, [], [], None, 0.0
    if resume_path is not None:
        state = ckpt.load_checkpoint(resume_path, model, optimizer, scheduler, device)
        step, history, evals_log = state["step"], state["history"], state["evals"]
        base_eval_loss, train_seconds = state["base_eval_loss"], state["train_seconds"]
        if state["train_examples"] != len(train) or state.get("train_rows", len(rows)) != len(rows):
            raise ConfigError([f"resume_from: {resume_path} was trained on {state['train_examples']} examples but "
                               f"train_file now yields {len(train)}; resume with the same training data"])
        epoch, group = divmod(step, steps_per_epoch)
        if (state["epoch"], state["batch_in_epoch"]) != (epoch, group * cfg.grad_accum):
            raise ConfigError([f"resume_from: data position in {resume_path} is inconsistent with its step"])
        log(f"resumed from {resume_path} at step {step}")

    precision = "bf16-autocast" if autocast_dtype is not None else str(dtype).removeprefix("torch.")
    accumulation = math.ceil(cfg.batch_size * cfg.grad_accum / micro_batch)
    emit("start", total_steps=total_steps, epochs=cfg.epochs, device=str(device), dtype=str(dtype).removeprefix("torch."),
         train_records=n_train_records, eval_records=n_eval_records, trainable_params=trainable_params,
         total_params=total_params, resumed_from_step=step if resume_path is not None else None,
         packing=cfg.packing, train_rows=len(rows), precision=precision, micro_batch_size=micro_batch,
         micro_batches_per_step=accumulation, gradient_checkpointing=cfg.gradient_checkpointing,
         quantize_base=cfg.quantize_base)

    def trainer_state(at_step: int) -> dict:
        epoch, group = divmod(at_step, steps_per_epoch)
        return {"fingerprint": cfg.fingerprint(), "epoch": epoch, "batch_in_epoch": group * cfg.grad_accum,
                "history": history, "evals": evals_log, "base_eval_loss": base_eval_loss,
                "train_seconds": train_seconds + (time.perf_counter() - t_loop), "total_steps": total_steps,
                "train_examples": len(train), "train_rows": len(rows)}

    def save(at_step: int, rng_state: dict) -> Path:
        path = ckpt.save_checkpoint(out_dir, at_step, model, optimizer, scheduler, rng_state, trainer_state(at_step))
        emit("checkpoint", step=at_step, path=str(path))
        return path

    def run_eval(at_step: int) -> float | None:
        with autocast(device, autocast_dtype):
            loss = evaluate(model, evals, cfg.batch_size, pad_id, device, cancel)
        if loss is not None:
            evals_log.append({"step": at_step, "eval_loss": loss})
            emit("eval", step=at_step, eval_loss=loss)
        return loss

    def cancelled(at_step: int, rng_state: dict) -> int:
        path = save(at_step, rng_state) if at_step > 0 else None  # step 0: nothing worth keeping
        emit("cancelled", step=at_step, checkpoint=str(path) if path else None)
        log(f"cancelled by signal {cancel.signum} at step {step}")
        return cancel.exit_code

    t_loop = time.perf_counter()
    if evals and base_eval_loss is None:
        base_eval_loss = run_eval(0)  # LoRA B starts at zero, so this is exactly the base model
        if base_eval_loss is None:
            return cancelled(0, ckpt.capture_rng())

    # --- training loop -------------------------------------------------------------------------
    model.train()
    meter = Throughput()
    while step < total_steps:
        epoch, group = divmod(step, steps_per_epoch)
        batches = epoch_batches(len(rows), cfg.batch_size, cfg.seed, epoch)
        step_rows = [r for b in batches[group * cfg.grad_accum:(group + 1) * cfg.grad_accum] for r in b]
        rng_at_boundary = ckpt.capture_rng()  # a cancel mid-step rewinds to this exact state
        tensors = [collate_rows(step_rows[i:i + micro_batch]) for i in range(0, len(step_rows), micro_batch)]
        lr = scheduler.get_last_lr()[0]
        memory.reset_peak(device)
        t_step = time.perf_counter()
        loss_total = optimizer_step(model, tensors, optimizer, scheduler, cfg.max_grad_norm,
                                    stop_requested=lambda: cancel.requested, autocast_dtype=autocast_dtype)
        if loss_total is None:
            return cancelled(step, rng_at_boundary)
        step += 1

        tokens = sum(real_tokens(b) for b in tensors)  # padding excluded
        slots = sum(b["input_ids"].numel() for b in tensors)
        peak = memory.peak_bytes(device)
        tps, eta = meter.step(tokens, total_steps - step)
        history.append({"step": step, "loss": loss_total, "learning_rate": lr, "tokens": tokens, "slots": slots,
                        "seconds": round(time.perf_counter() - t_step, 6), "peak_memory_bytes": peak})
        emit("step", step=step, total_steps=total_steps, epoch=round(step / steps_per_epoch, 4), loss=loss_total,
             learning_rate=lr, tokens_per_second=round(tps, 1), eta_seconds=round(eta, 1),
             padding_fraction=round(1 - tokens / slots, 4), peak_memory_bytes=peak)

        did_work = False
        end_of_epoch = step % steps_per_epoch == 0 and step < total_steps
        if evals and ((cfg.eval_every is not None and step % cfg.eval_every == 0) or end_of_epoch):
            if run_eval(step) is None:
                return cancelled(step, ckpt.capture_rng())
            did_work = True
        if step % cfg.checkpoint_every == 0 and step < total_steps:  # the final step saves the adapter instead
            save(step, ckpt.capture_rng())
            did_work = True
        if cancel.requested:
            return cancelled(step, ckpt.capture_rng())
        if did_work:
            meter.restart()  # eval/checkpoint time is not training throughput

    # --- finish --------------------------------------------------------------------------------
    eval_loss = None
    if evals:
        eval_loss = evals_log[-1]["eval_loss"] if evals_log and evals_log[-1]["step"] == step else run_eval(step)
        if eval_loss is None:
            return cancelled(step, ckpt.capture_rng())
    adapter_dir = out_dir / "adapter"
    model.save_pretrained(adapter_dir)
    tokenizer.save_pretrained(adapter_dir)  # the merge/export stages need the (templated) tokenizer
    tail = history[-10:]
    train_loss = sum(h["loss"] for h in tail) / len(tail) if tail else None
    usage = throughput_summary(history)
    metrics = {
        "train_loss": train_loss, "eval_loss": eval_loss, "base_eval_loss": base_eval_loss,
        "steps": step, "total_steps": total_steps, "epochs": cfg.epochs,
        "train_records": n_train_records, "train_records_dropped": train_dropped, "eval_records": n_eval_records,
        "trainable_params": trainable_params, "total_params": total_params,
        "device": str(device), "dtype": str(dtype).removeprefix("torch."),
        "train_seconds": round(train_seconds + time.perf_counter() - t_loop, 3),
        "wall_seconds": round(time.perf_counter() - t_start, 3),
        "packing": cfg.packing, "train_rows": len(rows), "precision": precision, "micro_batch_size": micro_batch,
        "micro_batches_per_step": accumulation, "gradient_checkpointing": cfg.gradient_checkpointing,
        "quantize_base": cfg.quantize_base, **usage,
        "history": history, "evals": evals_log, "config": asdict(cfg),
    }
    metrics_path = out_dir / "metrics.json"
    metrics_path.write_text(json.dumps(metrics, indent=1))
    emit("done", step=step, adapter_dir=str(adapter_dir), metrics_path=str(metrics_path),
         train_loss=train_loss, eval_loss=eval_loss, base_eval_loss=base_eval_loss, **usage)
    return 0


def throughput_summary(history: list[dict]) -> dict:
    """Whole-run figures from the per-step history (which a checkpoint carries, so they hold
    across resumes): real tokens trained, the padding share of the batches, real tokens per
    second of step time (evals and checkpoints excluded) and the highest per-step peak memory."""
    steps = [h for h in history if "tokens" in h]
    tokens, slots = sum(h["tokens"] for h in steps), sum(h["slots"] for h in steps)
    seconds = sum(h["seconds"] for h in steps)
    return {"real_tokens": tokens, "padding_fraction": round(1 - tokens / slots, 4) if slots else None,
            "real_tokens_per_s": round(tokens / seconds, 1) if seconds > 0 else None,
            "peak_memory_bytes": max((h["peak_memory_bytes"] for h in steps), default=None)}


def probe_micro_batch(model, row_lengths: list[int], collate_rows, effective: int, device: torch.device,
                      autocast_dtype: torch.dtype | None) -> int:
    """CUDA: the largest micro-batch (rows) up to `effective` whose forward+backward on the widest
    rows of the data fits (memory.py). RNG states are restored afterwards, so the probe does not
    change the run's dropout masks."""
    widest = sorted(range(len(row_lengths)), key=lambda r: (-row_lengths[r], r))
    rng = ckpt.capture_rng()

    def try_step(m: int) -> None:
        batch = collate_rows([widest[i % len(widest)] for i in range(m)])  # repeats rows if there are fewer than m
        try:
            with autocast(device, autocast_dtype):
                loss = loss_sum(model, batch) / max(trained_tokens(batch), 1)
            loss.backward()
        finally:
            model.zero_grad(set_to_none=True)

    fits = memory.cuda_fits(device, try_step)
    try:
        return memory.largest_fitting(effective, fits)
    finally:
        ckpt.restore_rng(rng)
