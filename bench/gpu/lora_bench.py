#!/usr/bin/env python3
"""LoRA training throughput on one GPU: Refinery's trainer step vs a plain transformers
`Trainer` + peft baseline, same model, same LoRA config, same batches, in one process.

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
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workers" / "trainer"))

from peft import get_peft_model  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainerCallback, TrainingArguments  # noqa: E402
from transformers import get_scheduler  # noqa: E402

from refinery_trainer.recipes.lora_sft import LoraSettings, lora_config, optimizer_step  # noqa: E402

PEAK_BF16_FLOPS = 989e12
LLAMA_1B = dict(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=4096,
                rope_theta=500000.0, tie_word_embeddings=True, rms_norm_eps=1e-5)
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


def summarise(name: str, res: dict, tokens_per_step: int, fpt: float, peak: float | None) -> dict:
    times = sorted(res["step_seconds"])
    median = times[len(times) // 2]
    tps = tokens_per_step / median
    return {"path": name, "timed_steps": len(times), "median_step_seconds": round(median, 4),
            "tokens_per_second": round(tps, 1), "mfu": round(tps * fpt / peak, 4) if peak else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="tiny shapes, few steps, any device (CPU ok)")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--seq-len", type=int, default=2048)
    ap.add_argument("--steps", type=int, default=20, help="timed steps per path")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "gpu-lora.json"))
    args = ap.parse_args()
    if args.smoke:
        arch, args.seq_len, args.steps, args.warmup, args.batch_size = SMOKE, 128, 4, 1, 2
        args.out = args.out.replace("gpu-lora.json", "gpu-lora-smoke.json")
    else:
        arch = LLAMA_1B
        if not torch.cuda.is_available():
            sys.exit("no CUDA device: run on a GPU host, or pass --smoke to check the script on CPU")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    peak = PEAK_BF16_FLOPS if device.type == "cuda" else None  # MFU only means something against a known peak
    batches = random_batches(args.warmup + args.steps, args.batch_size, args.seq_len, arch["vocab_size"], device)
    tokens_per_step = args.batch_size * args.seq_len

    t0 = time.perf_counter()
    ours = bench_refinery(arch, device, dtype, batches, args.warmup)
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = bench_hf_trainer(arch, device, dtype, batches, args.warmup, Path(tmp))
    rows = [summarise("refinery optimizer_step", ours, tokens_per_step, ours["flops_per_token"], peak),
            summarise("transformers Trainer + peft", base, tokens_per_step, ours["flops_per_token"], peak)]
    ratio = rows[0]["tokens_per_second"] / rows[1]["tokens_per_second"]

    gpu = torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu"
    print(f"\nLoRA r={LORA.r} all-linear, {'smoke shapes' if args.smoke else 'Llama-3.2-1B shape'}, "
          f"seq {args.seq_len}, batch {args.batch_size}, {dtype}, {gpu}")
    print(f"{'path':<30} {'median step s':>14} {'tokens/s':>12} {'MFU':>8}")
    for r in rows:
        mfu = f"{r['mfu'] * 100:.1f}%" if r["mfu"] is not None else "n/a"
        print(f"{r['path']:<30} {r['median_step_seconds']:>14.4f} {r['tokens_per_second']:>12.1f} {mfu:>8}")
    print(f"ratio refinery / baseline tokens/s: {ratio:.3f}   (total {time.perf_counter() - t0:.0f}s)")

    result = {"benchmark": "gpu-lora", "smoke": args.smoke, "device": gpu, "dtype": str(dtype).removeprefix("torch."),
              "arch": arch, "lora": {"r": LORA.r, "alpha": LORA.alpha, "dropout": LORA.dropout,
                                     "target_modules": LORA.target_modules},
              "seq_len": args.seq_len, "batch_size": args.batch_size, "flops_per_token": ours["flops_per_token"],
              "peak_flops": peak, "results": rows, "ratio_tokens_per_second": round(ratio, 4),
              "torch": torch.__version__}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
