"""`dpo`: LoRA Direct Preference Optimization of a causal LM on preference pairs, top to bottom:

  config: Config (every field required; PROTOCOL.md) -- train's fields plus `beta`; format
          must be "preference"
  setup:  device/dtype -> tokenizer -> pairs (validated, as chat: the prompt turns, then the
          chosen or the rejected assistant turn) -> base model -> TRL's DPOTrainer, which wraps the
          base with our LoRA config and tokenizes the pairs -> AdamW + LR schedule -> (resume)
  loss:   TRL's DPO loss, with the reference = the same model with the adapter disabled (no second
          copy of the base in memory)
  loop:   SFT's loop (lora_sft.py): per optimizer step grad_accum micro-batches of pairs, the
          step's loss = the pair-weighted mean; clip, step, schedule; `step` events with the reward
          accuracy (pairs whose chosen answer gets the higher implicit reward
          beta * log(pi/pi_ref)) and margin (mean chosen - rejected reward); checkpoints, evals
          (DPO loss and the rewards on the eval pairs; step 0 = the base: both rewards are 0) and
          SIGTERM exactly as in SFT
  finish: adapter dir + metrics.json + `done`

Why DPOTrainer and not a loss function: TRL 1.16's DPO loss has no standalone form. It is written
inline in the private `DPOTrainer._compute_loss`, which needs the trainer's state (beta, loss
type, accelerator, metric buffers) and a model patched by TRL with its fused LM head (per-token
log-probs without the full logits). So this recipe builds a DPOTrainer once, as the loss and the
data pipeline, and never calls its `train()`: batches come from TRL's DataCollatorForPreference
over TRL's tokenized pairs, the loss from `compute_loss` (Trainer's public hook), and the
rewards from `log()`, which averages the metrics compute_loss recorded into
`state.log_history`. Data order, optimizer, schedule, checkpoints, resume and cancellation stay
ours, shared with SFT (checkpoint.py, cancellation.py, progress.py).

Recipe interface (cli.py): `Config`, `load_config(path) -> Config`, `run(cfg, cancel) -> int`.
"""
from __future__ import annotations

import hashlib
import json
import math
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from transformers import get_scheduler

from .. import checkpoint as ckpt
from ..cancellation import Cancellation
from ..config import ConfigError, load_checked, local_path
from ..data import DataError, epoch_batches, preference_turns, read_records
from ..model_source import resolve_base_model
from ..progress import Throughput, emit, log
from ..runtime import configure_cpu_threads, load_model, load_tokenizer, pick_device, seed_everything
from .lora_sft import SCHEDULER_NAMES, LoraSettings, find_resume_checkpoint, lora_config, lora_training_problems

# --- config ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    base_model: str
    train_file: str
    eval_file: str | None
    format: str
    output_dir: str
    resume_from: str | None
    lora: LoraSettings
    beta: float
    epochs: int
    learning_rate: float
    lr_scheduler: str
    warmup_ratio: float
    batch_size: int  # preference pairs per micro-batch
    grad_accum: int
    max_seq_len: int  # tokens of prompt + answer; longer sequences are cut on the right
    seed: int
    checkpoint_every: int
    max_steps: int | None
    device: str
    eval_every: int | None
    weight_decay: float
    max_grad_norm: float | None

    def fingerprint(self) -> str:
        """Hash of every field that shapes the trajectory (as in SFT: paths, device and cadence may differ)."""
        d = asdict(self)
        for k in ("base_model", "train_file", "eval_file", "output_dir", "resume_from", "device",
                  "checkpoint_every", "eval_every"):
            d.pop(k)
        return hashlib.sha256(json.dumps({"method": "dpo", **d}, sort_keys=True).encode()).hexdigest()[:16]


def config_problems(cfg: Config) -> list[str]:
    problems = lora_training_problems(cfg)
    tm = cfg.lora.target_modules
    if isinstance(tm, tuple) and "lm_head" in tm:
        problems.append("lora.target_modules: lm_head cannot be adapted with dpo (TRL scores with its weight directly)")
    if cfg.format != "preference":
        problems.append(f"format: dpo trains on \"preference\" records, got {json.dumps(cfg.format)}")
    if not 0 < cfg.beta <= 10:
        problems.append(f"beta: must be in (0, 10], got {cfg.beta}")
    return problems


def load_config(path: str | Path) -> Config:
    return load_checked(path, Config, config_problems)


# --- TRL: the loss, the tokenized pairs and their collator -----------------------------------------


def trl_pairs(path: str, field: str):
    """A preference JSONL file as TRL's conversational pairs: prompt turns, [chosen], [rejected]."""
    from datasets import Dataset

    rows = []
    for record in read_records(local_path(path), "preference", field=field):
        prompt, chosen, rejected = preference_turns(record)
        rows.append({"prompt": prompt, "chosen": [chosen], "rejected": [rejected]})
    return Dataset.from_list(rows), len(rows)


def build_dpo(cfg: Config, model, tokenizer, train, evals, device: torch.device, work: Path):
    """TRL's DPOTrainer as loss + data pipeline (see the module docstring). It wraps `model` with
    our LoRA config (after seeding with cfg.seed, like SFT) and drops pairs whose prompt alone
    fills max_seq_len."""
    from transformers import PrinterCallback, ProgressCallback
    from trl import DPOConfig, DPOTrainer

    args = DPOConfig(output_dir=str(work), beta=cfg.beta, loss_type=["sigmoid"], max_length=cfg.max_seq_len,
                     truncation_mode="keep_start", precompute_ref_log_probs=False, seed=cfg.seed,
                     use_cpu=device.type == "cpu", report_to="none", disable_tqdm=True,
                     # the spec's lora.dropout is honoured (TRL would zero every dropout by default)
                     disable_dropout=False, gradient_checkpointing=False, dataset_num_proc=None)
    trainer = DPOTrainer(model=model, args=args, train_dataset=train, eval_dataset=evals,
                         processing_class=tokenizer, peft_config=lora_config(cfg.lora))
    for quiet in (PrinterCallback, ProgressCallback):  # log() feeds us, not stdout
        trainer.remove_callback(quiet)
    trainer.model.to(device)  # Trainer places models on its own default device (cuda:0)
    return trainer


def dpo_metrics(trainer, mode: str) -> dict:
    """The rewards TRL recorded since the last call (means over those compute_loss calls)."""
    trainer.log({})
    logs = trainer.state.log_history[-1]
    prefix = "eval_" if mode == "eval" else ""
    return {"reward_accuracy": logs.get(f"{prefix}rewards/accuracies"),
            "reward_margin": logs.get(f"{prefix}rewards/margins")}


def on_device(batch: dict, device: torch.device) -> dict:
    return {k: v.to(device) for k, v in batch.items()}


# --- run ---------------------------------------------------------------------------------------


def run(cfg: Config, cancel: Cancellation) -> int:
    """Trains; the last event is `done` (returns 0) or `cancelled` (returns 128 + signal)."""
    t_start = time.perf_counter()
    out_dir = local_path(cfg.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    device, dtype = pick_device(cfg.device)
    if device.type == "cpu":
        configure_cpu_threads()
    resume_path = find_resume_checkpoint(cfg, out_dir)  # before the slow loading: a bad resume fails fast
    seed_everything(cfg.seed)

    def cancelled_during_setup() -> int:
        step = ckpt.read_trainer_state(resume_path)["step"] if resume_path else 0
        emit("cancelled", step=step, checkpoint=str(resume_path) if resume_path else None)
        return cancel.exit_code

    model_dir = resolve_base_model(cfg.base_model)
    tokenizer, _ = load_tokenizer(model_dir)
    train_pairs, n_train_records = trl_pairs(cfg.train_file, "train_file")
    eval_pairs, n_eval_records = trl_pairs(cfg.eval_file, "eval_file") if cfg.eval_file else (None, 0)
    if cancel.requested:
        return cancelled_during_setup()

    with tempfile.TemporaryDirectory(prefix="refinery-dpo-") as work:
        trainer = build_dpo(cfg, load_model(model_dir, device, dtype), tokenizer, train_pairs, eval_pairs, device, Path(work))
    model, collator = trainer.model, trainer.data_collator
    train, evals = trainer.train_dataset, trainer.eval_dataset if eval_pairs is not None else None
    train_dropped = n_train_records - len(train)
    if train_dropped:
        log(f"train_file: dropped {train_dropped} of {n_train_records} pairs whose prompt alone fills max_seq_len={cfg.max_seq_len}")
    if len(train) == 0:
        raise DataError(f"train_file: every pair was dropped; raise max_seq_len (now {cfg.max_seq_len})")
    trainable_params, total_params = model.get_nb_trainable_parameters()

    batches_per_epoch = math.ceil(len(train) / cfg.batch_size)
    steps_per_epoch = math.ceil(batches_per_epoch / cfg.grad_accum)
    total_steps = steps_per_epoch * cfg.epochs
    if cfg.max_steps is not None:
        total_steps = min(total_steps, cfg.max_steps)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.learning_rate,
                                  weight_decay=cfg.weight_decay)
    scheduler = get_scheduler(SCHEDULER_NAMES[cfg.lr_scheduler], optimizer,
                              num_warmup_steps=math.ceil(cfg.warmup_ratio * total_steps), num_training_steps=total_steps)
    if cancel.requested:
        return cancelled_during_setup()

    # --- resume (as SFT) ---------------------------------------------------------------------
    step, history, evals_log, base_eval_loss, train_seconds = 0, [], [], None, 0.0
    if resume_path is not None:
        state = ckpt.load_checkpoint(resume_path, model, optimizer, scheduler, device)
        step, history, evals_log = state["step"], state["history"], state["evals"]
        base_eval_loss, train_seconds = state["base_eval_loss"], state["train_seconds"]
        if state["train_examples"] != len(train):
            raise ConfigError([f"resume_from: {resume_path} was trained on {state['train_examples']} pairs but "
                               f"train_file now yields {len(train)}; resume with the same training data"])
        epoch, group = divmod(step, steps_per_epoch)
        if (state["epoch"], state["batch_in_epoch"]) != (epoch, group * cfg.grad_accum):
            raise ConfigError([f"resume_from: data position in {resume_path} is inconsistent with its step"])
        log(f"resumed from {resume_path} at step {step}")

    emit("start", total_steps=total_steps, epochs=cfg.epochs, device=str(device), dtype=str(dtype).removeprefix("torch."),
         train_records=n_train_records, eval_records=n_eval_records, trainable_params=trainable_params,
         total_params=total_params, resumed_from_step=step if resume_path is not None else None)

    def trainer_state(at_step: int) -> dict:
        epoch, group = divmod(at_step, steps_per_epoch)
        return {"fingerprint": cfg.fingerprint(), "epoch": epoch, "batch_in_epoch": group * cfg.grad_accum,
                "history": history, "evals": evals_log, "base_eval_loss": base_eval_loss,
                "train_seconds": train_seconds + (time.perf_counter() - t_loop), "total_steps": total_steps,
                "train_examples": len(train)}

    def save(at_step: int, rng_state: dict) -> Path:
        path = ckpt.save_checkpoint(out_dir, at_step, model, optimizer, scheduler, rng_state, trainer_state(at_step))
        emit("checkpoint", step=at_step, path=str(path))
        return path

    @torch.no_grad()
    def run_eval(at_step: int) -> dict | None:
        """DPO loss (pair-weighted mean) and the rewards on the eval pairs; None if cancelled."""
        model.eval()
        total, pairs = 0.0, 0
        for i in range(0, len(evals), cfg.batch_size):
            if cancel.requested:
                model.train()
                return None
            batch = collator([evals[j] for j in range(i, min(i + cfg.batch_size, len(evals)))])
            n = batch["input_ids"].shape[0] // 2
            total += float(trainer.compute_loss(model, on_device(batch, device))) * n
            pairs += n
        result = {"step": at_step, "eval_loss": total / max(pairs, 1), **dpo_metrics(trainer, "eval")}
        model.train()
        evals_log.append(result)
        emit("eval", **result)
        return result

    def cancelled(at_step: int, rng_state: dict) -> int:
        path = save(at_step, rng_state) if at_step > 0 else None
        emit("cancelled", step=at_step, checkpoint=str(path) if path else None)
        log(f"cancelled by signal {cancel.signum} at step {at_step}")
        return cancel.exit_code

    t_loop = time.perf_counter()
    if evals is not None and len(evals) and base_eval_loss is None:
        base = run_eval(0)  # the adapter starts at zero: policy = reference, both rewards 0
        if base is None:
            return cancelled(0, ckpt.capture_rng())
        base_eval_loss = base["eval_loss"]

    # --- training loop -------------------------------------------------------------------------
    model.train()
    meter = Throughput()
    while step < total_steps:
        epoch, group = divmod(step, steps_per_epoch)
        batches = epoch_batches(len(train), cfg.batch_size, cfg.seed, epoch)
        micro = batches[group * cfg.grad_accum:(group + 1) * cfg.grad_accum]
        rng_at_boundary = ckpt.capture_rng()  # a cancel mid-step rewinds to this exact state
        lr = scheduler.get_last_lr()[0]
        n_pairs = sum(len(b) for b in micro)
        loss_total, tokens = 0.0, 0
        for indices in micro:
            if cancel.requested:
                optimizer.zero_grad(set_to_none=True)
                return cancelled(step, rng_at_boundary)
            batch = on_device(collator([train[i] for i in indices]), device)
            loss = trainer.compute_loss(model, batch) * (len(indices) / n_pairs)  # mean over the step's pairs
            loss.backward()
            loss_total += float(loss.detach())
            tokens += int(batch["attention_mask"].sum())
        if cfg.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1

        rewards = dpo_metrics(trainer, "train")
        tps, eta = meter.step(tokens, total_steps - step)
        history.append({"step": step, "loss": loss_total, "learning_rate": lr, **rewards})
        emit("step", step=step, total_steps=total_steps, epoch=round(step / steps_per_epoch, 4), loss=loss_total,
             learning_rate=lr, tokens_per_second=round(tps, 1), eta_seconds=round(eta, 1), **rewards)

        did_work = False
        end_of_epoch = step % steps_per_epoch == 0 and step < total_steps
        if evals is not None and len(evals) and ((cfg.eval_every is not None and step % cfg.eval_every == 0) or end_of_epoch):
            if run_eval(step) is None:
                return cancelled(step, ckpt.capture_rng())
            did_work = True
        if step % cfg.checkpoint_every == 0 and step < total_steps:
            save(step, ckpt.capture_rng())
            did_work = True
        if cancel.requested:
            return cancelled(step, ckpt.capture_rng())
        if did_work:
            meter.restart()

    # --- finish --------------------------------------------------------------------------------
    final = None
    if evals is not None and len(evals):
        final = evals_log[-1] if evals_log and evals_log[-1]["step"] == step else run_eval(step)
        if final is None:
            return cancelled(step, ckpt.capture_rng())
    adapter_dir = out_dir / "adapter"
    model.save_pretrained(adapter_dir)
    tokenizer.save_pretrained(adapter_dir)  # the merge/export stages need the (templated) tokenizer
    tail = history[-10:]

    def mean_of(key: str) -> float | None:
        values = [h[key] for h in tail if h.get(key) is not None]
        return sum(values) / len(values) if values else None

    summary = {"beta": cfg.beta, "train_loss": mean_of("loss"),
               "eval_loss": final["eval_loss"] if final else None, "base_eval_loss": base_eval_loss,
               "reward_accuracy": final["reward_accuracy"] if final else None,
               "reward_margin": final["reward_margin"] if final else None,
               "train_reward_accuracy": mean_of("reward_accuracy"), "train_reward_margin": mean_of("reward_margin")}
    metrics = {
        **summary, "steps": step, "total_steps": total_steps, "epochs": cfg.epochs,
        "train_records": n_train_records, "train_records_dropped": train_dropped, "eval_records": n_eval_records,
        "trainable_params": trainable_params, "total_params": total_params,
        "device": str(device), "dtype": str(dtype).removeprefix("torch."),
        "train_seconds": round(train_seconds + time.perf_counter() - t_loop, 3),
        "wall_seconds": round(time.perf_counter() - t_start, 3),
        "history": history, "evals": evals_log, "config": asdict(cfg),
    }
    metrics_path = out_dir / "metrics.json"
    metrics_path.write_text(json.dumps(metrics, indent=1))
    emit("done", step=step, adapter_dir=str(adapter_dir), metrics_path=str(metrics_path), **summary)
    return 0
