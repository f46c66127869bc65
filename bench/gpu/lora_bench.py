#!/usr/bin/env python3
"""LoRA training throughput on one GPU: Refinery's trainer step vs a plain transformers
`Trainer` + peft baseline, same model, same LoRA config, same batches, in one process.

Two workloads:
  full rows   every row is seq-len random tokens (no padding anywhere): the step itself
  chat-like   the same variable-length examples (lengths log-normal, median ~300 tokens, at most
              seq-len) for both: the baseline pads each batch to its longest example (what
              Trainer + a padding collator does); Refinery packs them into rows of seq-len
              (data.pack_rows / collate_packed) and runs with bf16 autocast. Compared on real
              (non-pad) tokens/s; the target is >= 1.3x the baseline and MFU >= 45 %.
  qlora-8b    (--qlora) Refinery packed on a Llama-3.1-8B shape with the base in NF4
              (bitsandbytes Linear4bit), LoRA r=16 all-linear: tokens/s and peak memory.

Model: Llama-3.2-1B shape (16 layers, hidden 2048, FFN 8192, 32 heads / 8 KV heads, vocab
128256, tied embeddings), random weights, bf16; built from a config in code, nothing downloaded.
LoRA r=16, alpha=32, dropout 0.05, all-linear. Sequence length 2048, random token ids.

  refinery  -> refinery_trainer.recipes.lora_sft.optimizer_step (the code the trainer runs)
  baseline  -> transformers.Trainer(model=get_peft_model(...)) with matching hyper-parameters

Reports tokens/s and MFU = achieved FLOP/s / peak (989 TFLOP/s dense bf16 for H100/H200 SXM).
FLOPs per token for LoRA training (frozen base weights need activation grads only):
  4 * N_matmul            forward 2N + backward-to-activations 2N (no weight grads)
  + 6 * N_lora            LoRA weights do get weight grads
  + 12 * L * d * s        attention scores and values, forward + 2x backward, non-causal count
where N_matmul counts every matmul weight including the LM head (tied or not).

Fits in ~5 minutes on one H200: two model builds, 5 warm-up + 20 timed steps per path.
  python bench/gpu/lora_bench.py [--batch-size 4] [--steps 20] [--out bench/results/gpu-lora.json]
  python bench/gpu/lora_bench.py --smoke     # tiny shapes on CPU: proves the script runs
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workers" / "trainer"))

from peft import get_peft_model  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainerCallback, TrainingArguments  # noqa: E402
from transformers import get_scheduler  # noqa: E402

from refinery_trainer.data import Example, collate, collate_packed, pack_rows, real_tokens  # noqa: E402
from refinery_trainer.recipes.lora_sft import LoraSettings, lora_config, optimizer_step  # noqa: E402

PEAK_BF16_FLOPS = 989e12
LLAMA_1B = dict(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=4096,
                rope_theta=500000.0, tie_word_embeddings=True, rms_norm_eps=1e-5)
LLAMA_8B = dict(vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=8192,
                rope_theta=500000.0, tie_word_embeddings=False, rms_norm_eps=1e-5)
SMOKE = dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
             num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256, tie_word_embeddings=True)
LORA = LoraSettings(r=16, alpha=32.0, dropout=0.05, target_modules="all-linear")
LR = 2e-4


def build_model(arch: dict, device: torch.device, dtype: torch.dtype):
    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(LlamaConfig(**arch)).to(dtype)
    model.config.use_cache = False
    model = get_peft_model(model, lora_config(LORA))
    return model


def flops_per_token(model, arch: dict, seq: int) -> float:
    n_matmul, n_lora = 0, 0
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear):
            if "lora_" in name:
                n_lora += module.weight.numel()
            else:
                n_matmul += module.weight.numel()
    return 4 * n_matmul + 6 * n_lora + 12 * arch["num_hidden_layers"] * arch["hidden_size"] * seq


def random_batches(n: int, batch: int, seq: int, vocab: int, device) -> list[dict[str, torch.Tensor]]:
    g = torch.Generator().manual_seed(1)
    out = []
    for _ in range(n):
        ids = torch.randint(vocab, (batch, seq), generator=g)
        out.append({"input_ids": ids.to(device), "labels": ids.clone().to(device),
                    "attention_mask": torch.ones_like(ids).to(device)})
    return out


def sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def bench_refinery(arch, device, dtype, batches, warmup) -> dict:
    model = build_model(arch, device, dtype)
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LR)
    sched = get_scheduler("linear", opt, num_warmup_steps=0, num_training_steps=len(batches))
    times = []
    for i, batch in enumerate(batches):
        sync(device)
        t = time.perf_counter()
        optimizer_step(model, [batch], opt, sched, max_grad_norm=1.0)
        sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - t)
    fpt = flops_per_token(model, arch, batches[0]["input_ids"].shape[1])
    del model, opt
    return {"step_seconds": times, "flops_per_token": fpt}


class _StepTimer(TrainerCallback):
    def __init__(self, device):
        self.device, self.times, self._t = device, [], 0.0

    def on_step_begin(self, args, state, control, **kw):
        sync(self.device)
        self._t = time.perf_counter()

    def on_step_end(self, args, state, control, **kw):
        sync(self.device)
        self.times.append(time.perf_counter() - self._t)


class _Rows(torch.utils.data.Dataset):
    def __init__(self, batches):
        self.rows = [{k: v[r].cpu() for k, v in b.items()} for b in batches for r in range(b["input_ids"].shape[0])]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def bench_hf_trainer(arch, device, dtype, batches, warmup, workdir: Path) -> dict:
    model = build_model(arch, device, dtype)
    batch_size = batches[0]["input_ids"].shape[0]
    args = TrainingArguments(
        output_dir=str(workdir), per_device_train_batch_size=batch_size, max_steps=len(batches),
        learning_rate=LR, lr_scheduler_type="linear", warmup_steps=0, weight_decay=0.0, max_grad_norm=1.0,
        optim="adamw_torch", logging_steps=10**9, save_strategy="no", report_to=[], seed=0,
        dataloader_num_workers=0, use_cpu=device.type == "cpu", disable_tqdm=True,
    )  # no bf16/fp16 flag: the model is already in bf16, like the refinery path (no autocast)
    timer = _StepTimer(device)
    trainer = Trainer(model=model, args=args, train_dataset=_Rows(batches), callbacks=[timer])
    trainer.train()
    del trainer, model
    return {"step_seconds": timer.times[warmup:]}


# --- chat-like workload: variable-length examples, padded (baseline) vs packed (refinery) -------------


def chat_examples(n: int, seq: int, vocab: int) -> list[Example]:
    """n examples of log-normal length (median ~300 tokens, 32..seq), random ids, every token trained."""
    g = torch.Generator().manual_seed(2)
    lengths = torch.exp(torch.randn(n, generator=g) * 0.6 + math.log(300)).round().clamp(32, seq).long().tolist()
    out = []
    for n_tok in lengths:
        ids = torch.randint(vocab, (n_tok,), generator=g).tolist()
        out.append(Example(ids, list(ids)))
    return out


def bench_refinery_packed(arch, device, dtype, examples, seq, rows_per_step, warmup, steps, model=None) -> dict:
    """Refinery's path: pack, then optimizer_step with bf16 autocast on CUDA (as lora_sft runs it)."""
    model = model if model is not None else build_model(arch, device, dtype)
    model.train()
    rows = pack_rows([len(e.input_ids) for e in examples], seq)
    need = (warmup + steps) * rows_per_step
    if len(rows) < need:
        raise SystemExit(f"chat workload: {len(rows)} packed rows, need {need}; raise --examples")
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LR)
    sched = get_scheduler("linear", opt, num_warmup_steps=0, num_training_steps=warmup + steps)
    autocast_dtype = torch.bfloat16 if device.type == "cuda" else None
    times, tokens, used = [], 0, 0
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    for i in range(warmup + steps):
        chunk = rows[i * rows_per_step:(i + 1) * rows_per_step]
        batch = {k: v.to(device) for k, v in collate_packed([[examples[j] for j in r] for r in chunk], 0).items()}
        sync(device)
        t = time.perf_counter()
        optimizer_step(model, [batch], opt, sched, max_grad_norm=1.0, autocast_dtype=autocast_dtype)
        sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - t)
            tokens += real_tokens(batch)
        used += sum(len(r) for r in chunk)
    peak_mem = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    del model, opt
    return {"seconds": sum(times), "real_tokens": tokens, "examples_used": used, "peak_memory_bytes": peak_mem}


def bench_hf_trainer_padded(arch, device, dtype, examples, batch_size, warmup, steps, workdir: Path) -> dict:
    """The baseline: transformers.Trainer + peft, batches padded to their longest example, bf16 autocast on CUDA
    (bf16=True, as a careful user sets it)."""
    model = build_model(arch, device, dtype)
    lengths: list[int] = []

    def pad_collate(items):
        width = max(len(x["input_ids"]) for x in items)
        lengths.append(sum(len(x["input_ids"]) for x in items))
        ids = torch.zeros((len(items), width), dtype=torch.long)
        labels = torch.full((len(items), width), -100, dtype=torch.long)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        for r, x in enumerate(items):
            n = len(x["input_ids"])
            ids[r, :n], labels[r, :n], mask[r, :n] = torch.tensor(x["input_ids"]), torch.tensor(x["input_ids"]), 1
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}

    data = [{"input_ids": e.input_ids} for e in examples[:(warmup + steps) * batch_size]]
    args = TrainingArguments(
        output_dir=str(workdir), per_device_train_batch_size=batch_size, max_steps=warmup + steps,
        learning_rate=LR, lr_scheduler_type="linear", warmup_steps=0, weight_decay=0.0, max_grad_norm=1.0,
        optim="adamw_torch", logging_steps=10**9, save_strategy="no", report_to=[], seed=0,
        dataloader_num_workers=0, use_cpu=device.type == "cpu", disable_tqdm=True, bf16=device.type == "cuda",
        remove_unused_columns=False,
    )
    timer = _StepTimer(device)
    trainer = Trainer(model=model, args=args, train_dataset=data, data_collator=pad_collate, callbacks=[timer])
    trainer.train()
    del trainer, model
    times = timer.times[warmup:]
    return {"seconds": sum(times), "real_tokens": sum(lengths[warmup:warmup + len(times)])}


def quantize_linears_nf4(model, compute_dtype: torch.dtype) -> int:
    """Replaces every nn.Linear but the output head by a bitsandbytes NF4 Linear4bit holding the same
    (random) weights quantized: what from_pretrained(quantization_config=nf4) builds, without a
    checkpoint on disk. Returns the number of layers replaced."""
    import bitsandbytes as bnb

    count = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, torch.nn.Linear) and name != "lm_head":
                q = bnb.nn.Linear4bit(child.in_features, child.out_features, bias=child.bias is not None,
                                      compute_dtype=compute_dtype, quant_type="nf4", device="meta")
                q.weight = bnb.nn.Params4bit(child.weight.data.to("cpu"), requires_grad=False, quant_type="nf4")
                q = q.to(child.weight.device)
                setattr(parent, name, q)
                count += 1
    return count


def build_qlora_model(arch: dict, device: torch.device, dtype: torch.dtype):
    from peft import prepare_model_for_kbit_training

    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(LlamaConfig(**arch)).to(dtype)
    model.config.use_cache = False
    n4 = quantize_linears_nf4(model, dtype)
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    return get_peft_model(model, lora_config(LORA)), n4


def summarise_real(name: str, res: dict, fpt: float, peak: float | None) -> dict:
    tps = res["real_tokens"] / res["seconds"]
    row = {"path": name, "real_tokens": res["real_tokens"], "seconds": round(res["seconds"], 3),
           "real_tokens_per_second": round(tps, 1), "mfu": round(tps * fpt / peak, 4) if peak else None}
    if res.get("peak_memory_bytes") is not None:
        row["peak_memory_gib"] = round(res["peak_memory_bytes"] / 2**30, 2)
    return row


def summarise(name: str, res: dict, tokens_per_step: int, fpt: float, peak: float | None) -> dict:
    times = sorted(res["step_seconds"])
    median = times[len(times) // 2]
    tps = tokens_per_step / median
    return {"path": name, "timed_steps": len(times), "median_step_seconds": round(median, 4),
            "tokens_per_second": round(tps, 1), "mfu": round(tps * fpt / peak, 4) if peak else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="tiny shapes, few steps, any device (CPU ok)")
    ap.add_argument("--workload", choices=["chat", "full", "all"], default="chat",
                    help="chat: variable-length examples, padded baseline vs packed refinery (default); "
                         "full: full-length random rows, the step alone")
    ap.add_argument("--qlora", action="store_true", help="add the QLoRA row: Llama-3.1-8B shape, base in NF4")
    ap.add_argument("--batch-size", type=int, default=4, help="full workload: rows per step")
    ap.add_argument("--baseline-batch", type=int, default=16, help="chat workload: examples per baseline step")
    ap.add_argument("--rows-per-step", type=int, default=8, help="chat workload: packed rows per refinery step")
    ap.add_argument("--seq-len", type=int, default=2048)
    ap.add_argument("--steps", type=int, default=20, help="timed steps per path")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "gpu-lora.json"))
    args = ap.parse_args()
    if args.smoke:
        arch, qarch = SMOKE, SMOKE
        args.seq_len, args.steps, args.warmup, args.batch_size, args.baseline_batch, args.rows_per_step = 256, 3, 1, 2, 4, 2
        args.out = args.out.replace("gpu-lora.json", "gpu-lora-smoke.json")
    else:
        arch, qarch = LLAMA_1B, LLAMA_8B
        if not torch.cuda.is_available():
            sys.exit("no CUDA device: run on a GPU host, or pass --smoke to check the script on CPU")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    peak = PEAK_BF16_FLOPS if device.type == "cuda" else None  # MFU only means something against a known peak
    gpu = torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu"
    shape = "smoke shapes" if args.smoke else "Llama-3.2-1B shape"
    t0 = time.perf_counter()
    result = {"benchmark": "gpu-lora", "smoke": args.smoke, "device": gpu, "dtype": str(dtype).removeprefix("torch."),
              "arch": arch, "lora": {"r": LORA.r, "alpha": LORA.alpha, "dropout": LORA.dropout,
                                     "target_modules": LORA.target_modules},
              "seq_len": args.seq_len, "peak_flops": peak, "torch": torch.__version__}

    def free() -> None:
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()

    if args.workload in ("full", "all"):
        batches = random_batches(args.warmup + args.steps, args.batch_size, args.seq_len, arch["vocab_size"], device)
        tokens_per_step = args.batch_size * args.seq_len
        ours = bench_refinery(arch, device, dtype, batches, args.warmup)
        free()
        with tempfile.TemporaryDirectory() as tmp:
            base = bench_hf_trainer(arch, device, dtype, batches, args.warmup, Path(tmp))
        free()
        rows = [summarise("refinery optimizer_step", ours, tokens_per_step, ours["flops_per_token"], peak),
                summarise("transformers Trainer + peft", base, tokens_per_step, ours["flops_per_token"], peak)]
        ratio = rows[0]["tokens_per_second"] / rows[1]["tokens_per_second"]
        print(f"\nfull rows: LoRA r={LORA.r} all-linear, {shape}, seq {args.seq_len}, batch {args.batch_size}, {dtype}, {gpu}")
        print(f"{'path':<30} {'median step s':>14} {'tokens/s':>12} {'MFU':>8}")
        for r in rows:
            mfu = f"{r['mfu'] * 100:.1f}%" if r["mfu"] is not None else "n/a"
            print(f"{r['path']:<30} {r['median_step_seconds']:>14.4f} {r['tokens_per_second']:>12.1f} {mfu:>8}")
        print(f"ratio refinery / baseline tokens/s: {ratio:.3f}")
        result["full"] = {"batch_size": args.batch_size, "flops_per_token": ours["flops_per_token"], "results": rows,
                          "ratio_tokens_per_second": round(ratio, 4)}

    if args.workload in ("chat", "all"):
        n = max(args.baseline_batch * (args.warmup + args.steps), 8 * args.rows_per_step * (args.warmup + args.steps))
        examples = chat_examples(n, args.seq_len, arch["vocab_size"])
        mean_len = sum(len(e.input_ids) for e in examples) / len(examples)
        ours = bench_refinery_packed(arch, device, dtype, examples, args.seq_len, args.rows_per_step, args.warmup, args.steps)
        free()
        with tempfile.TemporaryDirectory() as tmp:
            base = bench_hf_trainer_padded(arch, device, dtype, examples, args.baseline_batch, args.warmup, args.steps, Path(tmp))
        free()
        fpt = flops_per_token_of(arch, mean_len)
        precision = "bf16 autocast" if device.type == "cuda" else "fp32"
        rows = [summarise_real(f"refinery packed, {precision}", ours, fpt, peak),
                summarise_real(f"Trainer + peft, padded, {precision}", base, fpt, peak)]
        ratio = rows[0]["real_tokens_per_second"] / rows[1]["real_tokens_per_second"]
        print(f"\nchat-like: {n} examples, mean {mean_len:.0f} tokens, LoRA r={LORA.r} all-linear, {shape}, rows of "
              f"{args.seq_len} x {args.rows_per_step} per step vs {args.baseline_batch} padded examples per step, {gpu}")
        print(f"{'path':<34} {'real tokens/s':>14} {'MFU':>8}")
        for r in rows:
            mfu = f"{r['mfu'] * 100:.1f}%" if r["mfu"] is not None else "n/a"
            print(f"{r['path']:<34} {r['real_tokens_per_second']:>14.1f} {mfu:>8}")
        print(f"ratio refinery / baseline real tokens/s: {ratio:.3f}   (target >= 1.3; MFU target >= 45 %)")
        result["chat"] = {"examples": n, "mean_example_tokens": round(mean_len, 1), "rows_per_step": args.rows_per_step,
                          "baseline_batch": args.baseline_batch, "flops_per_token": fpt, "results": rows,
                          "ratio_real_tokens_per_second": round(ratio, 4)}

    if args.qlora:
        qshape = "smoke shapes" if args.smoke else "Llama-3.1-8B shape"
        examples = chat_examples(8 * args.rows_per_step * (args.warmup + args.steps), args.seq_len, qarch["vocab_size"])
        mean_len = sum(len(e.input_ids) for e in examples) / len(examples)
        model, n4 = build_qlora_model(qarch, device, dtype)
        ours = bench_refinery_packed(qarch, device, dtype, examples, args.seq_len, args.rows_per_step, args.warmup,
                                     args.steps, model=model)
        del model
        free()
        row = summarise_real(f"refinery packed, QLoRA nf4 ({n4} Linear4bit)", ours, flops_per_token_of(qarch, mean_len), peak)
        mem = f"{row['peak_memory_gib']:.1f} GiB" if "peak_memory_gib" in row else "n/a (cpu)"
        print(f"\nQLoRA: {qshape}, base NF4, LoRA r={LORA.r} all-linear, rows of {args.seq_len} x {args.rows_per_step}, {gpu}")
        print(f"{row['path']}: {row['real_tokens_per_second']:.1f} real tokens/s, peak memory {mem}")
        result["qlora"] = {"arch": qarch, "linear4bit_layers": n4, "result": row}

    print(f"(total {time.perf_counter() - t0:.0f}s)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


def flops_per_token_of(arch: dict, context: float) -> float:
    """flops_per_token's count from the shape alone (LoRA r=16 on every linear but the head), with
    the attention term at the mean attended context (packed examples attend only to themselves)."""
    d, f, L, v = arch["hidden_size"], arch["intermediate_size"], arch["num_hidden_layers"], arch["vocab_size"]
    kv = d * arch["num_key_value_heads"] // arch["num_attention_heads"]
    shapes = [(d, d), (d, kv), (d, kv), (d, d), (d, f), (d, f), (f, d)]
    n_matmul = L * sum(a * b for a, b in shapes) + d * v
    n_lora = L * sum(LORA.r * (a + b) for a, b in shapes)
    return 4 * n_matmul + 6 * n_lora + 12 * L * d * context


if __name__ == "__main__":
    main()
