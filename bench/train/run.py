#!/usr/bin/env python3
"""CPU training benchmarks of the Refinery trainer on the demo tiny model, through the real CLI
(`python -m refinery_trainer train`) and its JSON-lines protocol.

  packing (default): packed vs unpacked on the demo dataset (first 540 records train, last 60
    eval), the same number of epochs, so both see the same real tokens: real tokens/s (non-pad
    tokens per second of step time), padding fraction, steps, final eval loss. Writes
    bench/results/train-packing.json.
  throughput: LoRA variants, unpacked, a fixed number of steps each: median per-step tokens/s
    (first steps skipped as warm-up). Writes bench/results/train.json.

  python bench/train/run.py [--suite packing|throughput|all] [--epochs 2] [--steps 30] [--threads N]

Builds examples/models/tiny-llama first if it is missing or stale (build_tiny_model.py is a
no-op when its stamp matches).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "examples" / "models" / "tiny-llama"
DATASET = ROOT / "examples" / "datasets" / "support-tickets.jsonl"
WARMUP_STEPS = 3
CONFIGS = [  # name, overrides of the base config
    ("demo: r16 all-linear, batch 8", {}),
    ("r8 q_proj+v_proj, batch 8", {"lora": {"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["q_proj", "v_proj"]}}),
    ("r16 all-linear, batch 16", {"batch_size": 16}),
    ("r16 all-linear, batch 4 x accum 2", {"batch_size": 4, "grad_accum": 2}),
]


PACKING_CONFIGS = [  # name, overrides: equal epochs = equal real tokens seen
    ("unpacked, batch 8 records", {"packing": False, "batch_size": 8}),
    ("packed, batch 2 rows", {"packing": True, "batch_size": 2}),
    ("packed, batch 8 rows", {"packing": True, "batch_size": 8}),
]


def base_config(tmp: Path) -> dict:
    # complete, as the GPU worker sends it: the trainer has no defaults (workers/trainer/PROTOCOL.md)
    return {"base_model": str(MODEL), "train_file": str(DATASET), "eval_file": None, "format": "chat",
            "output_dir": str(tmp / "out"), "resume_from": None,
            "lora": {"r": 16, "alpha": 32, "dropout": 0.05, "target_modules": "all-linear"}, "epochs": 1,
            "learning_rate": 0.005, "lr_scheduler": "cosine", "warmup_ratio": 0.0, "batch_size": 8, "grad_accum": 1,
            "max_seq_len": 512, "seed": 42, "checkpoint_every": 10**6, "max_steps": None, "device": "cpu",
            "eval_every": None, "weight_decay": 0.0, "max_grad_norm": 1.0, "packing": False,
            "gradient_checkpointing": False, "quantize_base": None}


def train(name: str, cfg: dict, tmp: Path, env: dict) -> tuple[list[dict], float]:
    path = tmp / "cfg.json"
    path.write_text(json.dumps(cfg))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "refinery_trainer", "train", "--config", str(path)],
                          capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{name}: trainer exited {proc.returncode}\n{proc.stderr[-2000:]}")
    return [json.loads(l) for l in proc.stdout.splitlines()], wall


def run_packing(name: str, overrides: dict, epochs: int, tmp: Path, env: dict) -> dict:
    records = DATASET.read_text(encoding="utf-8").splitlines()
    (tmp / "train.jsonl").write_text("\n".join(records[:540]) + "\n")
    (tmp / "eval.jsonl").write_text("\n".join(records[-60:]) + "\n")
    cfg = {**base_config(tmp), "train_file": str(tmp / "train.jsonl"), "eval_file": str(tmp / "eval.jsonl"),
           "epochs": epochs, "warmup_ratio": 0.05, **overrides}
    events, wall = train(name, cfg, tmp, env)
    start, done = events[0], events[-1]
    return {"config": name, "packing": cfg["packing"], "batch_size": cfg["batch_size"], "epochs": epochs,
            "train_rows": start["train_rows"], "steps": done["step"], "real_tokens": done["real_tokens"],
            "padding_fraction": done["padding_fraction"], "real_tokens_per_s": done["real_tokens_per_s"],
            "base_eval_loss": done["base_eval_loss"], "eval_loss": done["eval_loss"],
            "peak_rss_bytes": done["peak_memory_bytes"], "process_wall_seconds": round(wall, 2)}


def run_config(name: str, overrides: dict, steps: int, tmp: Path, env: dict) -> dict:
    cfg = {**base_config(tmp), "max_steps": steps, **overrides}
    events, wall = train(name, cfg, tmp, env)
    steps_ev = [e for e in events if e["event"] == "step"][WARMUP_STEPS:]
    tps = [e["tokens_per_second"] for e in steps_ev]
    start = events[0]
    return {"config": name, "batch_size": cfg["batch_size"], "grad_accum": cfg["grad_accum"],
            "lora_r": cfg["lora"]["r"], "target_modules": cfg["lora"]["target_modules"],
            "trainable_params": start["trainable_params"], "timed_steps": len(tps),
            "median_tokens_per_second": round(statistics.median(tps), 1),
            "min_tokens_per_second": round(min(tps), 1), "max_tokens_per_second": round(max(tps), 1),
            "process_wall_seconds": round(wall, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", choices=["packing", "throughput", "all"], default="packing")
    ap.add_argument("--epochs", type=int, default=2, help="packing suite: epochs per configuration")
    ap.add_argument("--steps", type=int, default=30, help="throughput suite: optimizer steps per configuration")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: the trainer's, half the cores)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "train.json"), help="throughput suite's JSON")
    ap.add_argument("--packing-out", default=str(ROOT / "bench" / "results" / "train-packing.json"))
    args = ap.parse_args()
    subprocess.run([sys.executable, str(ROOT / "examples" / "build_tiny_model.py"), "--out", str(MODEL)], check=True)

    env = {**os.environ, "PYTHONPATH": str(ROOT / "workers" / "trainer"), "TOKENIZERS_PARALLELISM": "false"}
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    if args.suite in ("packing", "all"):
        packing_suite(args, env)
    if args.suite in ("throughput", "all"):
        throughput_suite(args, env)


def environment(args) -> dict:
    return {"cpu_count": os.cpu_count(), "load_avg_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
            "threads": args.threads, "platform": platform.platform(), "python": platform.python_version()}


def packing_suite(args, env: dict) -> None:
    rows = []
    for name, overrides in PACKING_CONFIGS:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(run_packing(name, overrides, args.epochs, Path(tmp), env))
            print(f"  {name}: {rows[-1]['real_tokens_per_s']} real tokens/s", file=sys.stderr, flush=True)
    env_info = environment(args)
    print(f"\nPacked vs unpacked, CPU ({env_info['cpu_count']} cores, load avg {env_info['load_avg_1m']:.1f}), "
          f"tiny-llama demo model, demo data (540 train / 60 eval records), {args.epochs} epochs each")
    print(f"{'config':<28} {'rows':>5} {'steps':>6} {'real tokens':>12} {'padding':>8} {'real tok/s':>11} "
          f"{'eval loss':>10} {'wall s':>7}")
    for r in rows:
        print(f"{r['config']:<28} {r['train_rows']:>5} {r['steps']:>6} {r['real_tokens']:>12,} "
              f"{r['padding_fraction'] * 100:>7.1f}% {r['real_tokens_per_s']:>11.1f} {r['eval_loss']:>10.4f} "
              f"{r['process_wall_seconds']:>7.1f}")
    result = {"benchmark": "train-packing-cpu", "model": str(MODEL.relative_to(ROOT)), "epochs": args.epochs,
              **env_info, "results": rows}
    Path(args.packing_out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.packing_out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.packing_out}")


def throughput_suite(args, env: dict) -> None:
    rows = []
    for name, overrides in CONFIGS:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(run_config(name, overrides, args.steps, Path(tmp), env))
            print(f"  {name}: {rows[-1]['median_tokens_per_second']} tokens/s", file=sys.stderr, flush=True)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"\nRefinery trainer, CPU ({os.cpu_count()} cores, load avg {load:.1f}), tiny-llama demo model, "
          f"{args.steps} steps per row, first {WARMUP_STEPS} skipped")
    print(f"{'config':<36} {'trainable':>10} {'median tok/s':>13} {'min':>9} {'max':>9}")
    for r in rows:
        print(f"{r['config']:<36} {r['trainable_params']:>10,} {r['median_tokens_per_second']:>13.1f} "
              f"{r['min_tokens_per_second']:>9.1f} {r['max_tokens_per_second']:>9.1f}")
    result = {"benchmark": "train-cpu", "model": str(MODEL.relative_to(ROOT)), "steps_per_config": args.steps,
              "warmup_steps_skipped": WARMUP_STEPS, "cpu_count": os.cpu_count(), "load_avg_1m": load,
              "threads": args.threads, "platform": platform.platform(), "python": platform.python_version(),
              "results": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
