#!/usr/bin/env python3
"""CPU training throughput of the Refinery trainer on the demo tiny model.

Runs the real CLI (`python -m refinery_trainer train`) on the demo dataset for a fixed number
of optimizer steps per configuration, reads its JSON-lines protocol, and reports the median
per-step tokens/s (non-pad tokens / step wall time; the first steps are skipped as warm-up).
Prints a table and writes bench/results/train.json.

  python bench/train/run.py [--steps 30] [--threads N]

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


def run_config(name: str, overrides: dict, steps: int, tmp: Path, env: dict) -> dict:
    # complete, as the GPU worker sends it: the trainer has no defaults (workers/trainer/PROTOCOL.md)
    cfg = {"base_model": str(MODEL), "train_file": str(DATASET), "eval_file": None, "format": "chat",
           "output_dir": str(tmp / "out"), "resume_from": None,
           "lora": {"r": 16, "alpha": 32, "dropout": 0.05, "target_modules": "all-linear"}, "epochs": 1,
           "learning_rate": 0.005, "lr_scheduler": "cosine", "warmup_ratio": 0.0, "batch_size": 8, "grad_accum": 1,
           "max_seq_len": 512, "seed": 42,
           "checkpoint_every": steps,  # never fires: there is no checkpoint at the final step
           "max_steps": steps, "device": "cpu", "eval_every": None, "weight_decay": 0.0, "max_grad_norm": 1.0,
           **overrides}
    path = tmp / "cfg.json"
    path.write_text(json.dumps(cfg))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "refinery_trainer", "train", "--config", str(path)],
                          capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{name}: trainer exited {proc.returncode}\n{proc.stderr[-2000:]}")
    events = [json.loads(l) for l in proc.stdout.splitlines()]
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
    ap.add_argument("--steps", type=int, default=30, help="optimizer steps per configuration")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "train.json"))
    args = ap.parse_args()
    subprocess.run([sys.executable, str(ROOT / "examples" / "build_tiny_model.py"), "--out", str(MODEL)], check=True)

    env = {**os.environ, "PYTHONPATH": str(ROOT / "workers" / "trainer"), "TOKENIZERS_PARALLELISM": "false"}
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
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
