#!/usr/bin/env python3
"""Merge, quantize and evaluate throughput on CPU, through the real trainer CLI.

For each model family (the tiny Llama the demo uses, and tiny Mistral and Qwen2 models with their
families' tokenizers and chat templates, all built by examples/build_tiny_model.py): trains a
short LoRA, then runs the `merge`, `quantize` (f16, q8_0, q4_0, q4_K_M) and `evaluate` verbs
exactly as a GPU worker does (JSON config in, JSON lines out), and reports: seconds per verb,
seconds and file size per GGUF format, and per variant examples/s, perplexity (and its ratio to
the merged model) and the task metrics. Prints a table per family and writes
bench/results/eval.json.

  npm run bench:eval [-- --arch llama mistral qwen2 --steps 60 --examples 40 --new-tokens 64]

The data is the demo dataset (examples/datasets/support-tickets.jsonl), which the tiny model's
builder also saw in pretraining form: the task metrics here are in-distribution; docs/benchmarks.md
says so next to them.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ["llama", "mistral", "qwen2"]
DATASET = ROOT / "examples" / "datasets" / "support-tickets.jsonl"
FORMATS = ["f16", "q8_0", "q4_0", "q4_K_M"]


def verb(name: str, config: dict, tmp: Path, env: dict) -> tuple[dict, float]:
    path = tmp / f"{name}.json"
    path.write_text(json.dumps(config))
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "refinery_trainer", name, "--config", str(path)],
                          cwd=ROOT / "workers" / "trainer", env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    done = next((e for e in events if e.get("event") == "done"), None)
    if proc.returncode != 0 or done is None:
        sys.exit(f"{name} failed (exit {proc.returncode}): {events[-1] if events else proc.stderr[-2000:]}")
    return done, seconds


def bench_family(arch: str, args, env: dict) -> dict:
    model = ROOT / "examples" / "models" / f"tiny-{arch}"
    subprocess.run([sys.executable, str(ROOT / "examples" / "build_tiny_model.py"), "--arch", arch], check=True)
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as t:
        tmp = Path(t)
        records = DATASET.read_text().splitlines()
        (tmp / "train.jsonl").write_text("\n".join(records[: len(records) - args.examples]) + "\n")
        (tmp / "eval.jsonl").write_text("\n".join(records[-args.examples:]) + "\n")
        train, train_s = verb("train", {
            "base_model": str(model), "train_file": str(tmp / "train.jsonl"), "eval_file": None, "format": "chat",
            "output_dir": str(tmp / "train"), "resume_from": None,
            "lora": {"r": 16, "alpha": 32, "dropout": 0.05, "target_modules": "all-linear"},
            "epochs": 5, "learning_rate": 0.005, "lr_scheduler": "cosine", "warmup_ratio": 0.05, "batch_size": 8,
            "grad_accum": 1, "max_seq_len": 512, "seed": 42, "checkpoint_every": 10_000, "max_steps": args.steps,
            "device": "cpu", "eval_every": None, "weight_decay": 0.0, "max_grad_norm": 1.0,
            "packing": False, "gradient_checkpointing": False, "quantize_base": None,  # as examples/specs/demo.yaml
        }, tmp, env)
        merge, merge_s = verb("merge", {"base_model": str(model), "adapter_dir": train["adapter_dir"],
                                        "output_dir": str(tmp / "merged"), "device": "cpu"}, tmp, env)
        quant, quant_s = verb("quantize", {"model_dir": merge["merged_dir"], "output_dir": str(tmp / "gguf"),
                                           "formats": FORMATS, "threads": args.threads}, tmp, env)
        evaluation, eval_s = verb("evaluate", {
            "base_model": str(model), "merged_dir": merge["merged_dir"],
            "gguf_files": [{"format": f["format"], "path": f["path"]} for f in quant["files"]],
            "eval_file": str(tmp / "eval.jsonl"), "format": "chat", "max_examples": args.examples,
            "max_new_tokens": args.new_tokens, "metrics": ["exact_match", "json_valid", "field_match", "rouge_l"],
            "seed": 0, "device": "cpu", "threads": args.threads, "canaries": [], "beta": None, "output_dir": str(tmp / "eval"),
        }, tmp, env)

    merged_ppl = next(v for v in evaluation["variants"] if v["variant"] == "merged")["perplexity"]
    return {
        "arch": arch, "gguf_architecture": quant["gguf"]["architecture"], "tokenizer_pre": quant["gguf"]["tokenizer_pre"],
        "tokenizer_parity": quant["tokenizer_parity"]["equal"], "parity_tokens": len(quant["tokenizer_parity"]["hf_tokens"]),
        "train": {"steps": train["step"], "seconds": round(train_s, 1)},
        "merge_seconds": round(merge_s, 1),
        "quantize": {"seconds": round(quant_s, 1), "files": [{k: f[k] for k in ("format", "bytes", "seconds")} for f in quant["files"]]},
        "evaluate": {"seconds": round(eval_s, 1), "examples": evaluation["examples"], "loss_tokens": evaluation["loss_tokens"], "variants": [
            {"variant": v["variant"], "examples_per_second": v["examples_per_second"], "perplexity": v["perplexity"],
             "perplexity_vs_merged": v["perplexity"] / merged_ppl if v["perplexity"] else None, "metrics": v["metrics"]}
            for v in evaluation["variants"]]},
    }


def print_family(r: dict, new_tokens: int) -> None:
    print(f"\n== {r['arch']} (GGUF architecture {r['gguf_architecture']}, pre-tokenizer {r['tokenizer_pre']}, "
          f"tokenizer parity {'ok' if r['tokenizer_parity'] else 'FAILED'} on {r['parity_tokens']} tokens)")
    print(f"train {r['train']['steps']} steps {r['train']['seconds']} s · merge {r['merge_seconds']} s · "
          f"quantize {r['quantize']['seconds']} s · evaluate {r['evaluate']['seconds']} s "
          f"({r['evaluate']['examples']} examples, {r['evaluate']['loss_tokens']} scored tokens, {new_tokens} new tokens max)\n")
    print(f"{'format':8} {'MB':>8} {'seconds':>8}")
    for f in r["quantize"]["files"]:
        print(f"{f['format']:8} {f['bytes'] / 1e6:8.2f} {f['seconds']:8.2f}")
    print(f"\n{'variant':12} {'ex/s':>7} {'ppl':>9} {'vs merged':>10} {'exact':>6} {'json':>6} {'dept':>6} {'prio':>6} {'rougeL':>7}")
    for v in r["evaluate"]["variants"]:
        m = v["metrics"]
        ratio = f"{(v['perplexity_vs_merged'] - 1) * 100:+.4f}%" if v["perplexity_vs_merged"] else "-"
        print(f"{v['variant']:12} {v['examples_per_second'] or 0:7.2f} {v['perplexity']:9.4f} {ratio:>10} "
              f"{m.get('exact_match', 0):6.2f} {m.get('json_valid', 0):6.2f} {m.get('field_match.department', 0):6.2f} "
              f"{m.get('field_match.priority', 0):6.2f} {m.get('rouge_l', 0):7.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", nargs="+", choices=FAMILIES, default=FAMILIES)
    ap.add_argument("--steps", type=int, default=None, help="optimizer steps (default: the demo's 5 epochs)")
    ap.add_argument("--examples", type=int, default=40)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "workers" / "trainer")}
    families = []
    for arch in args.arch:
        families.append(bench_family(arch, args, env))
        print_family(families[-1], args.new_tokens)
    result = {"host": {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()},
              "families": families}
    out = ROOT / "bench" / "results" / "eval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
