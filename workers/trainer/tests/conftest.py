"""Fixtures: a very tiny Llama model + tokenizer built in a temp dir, small train/eval splits of
the committed demo dataset, and a helper that runs the real CLI in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRAINER_DIR = Path(__file__).resolve().parents[1]
REPO = TRAINER_DIR.parents[1]
DATASET = REPO / "examples" / "datasets" / "support-tickets.jsonl"
MALFORMED = REPO / "examples" / "datasets" / "malformed-chat.jsonl"
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def build_tokenizer(texts: list[str], chat_template: str | None):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=512, show_progress=False, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|pad|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|end|>", pad_token="<|pad|>")
    if chat_template:
        fast.chat_template = chat_template
    return fast


def read_lines(path: Path, n: int | None = None, skip: int = 0) -> list[str]:
    lines = [l for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
    return lines[skip:skip + n if n else None]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide Llama with random weights. initializer_range 0.2 (not 0.02): LoRA cannot
    move the tied embeddings, and tiny random ones keep the logits too flat to learn quickly."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    out = tmp_path_factory.mktemp("tiny-model")
    texts = [m["content"] for l in read_lines(DATASET, 200) for m in json.loads(l)["messages"]]
    tokenizer = build_tokenizer(texts, CHAT_TEMPLATE)
    tokenizer.save_pretrained(out)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512,
                         tie_word_embeddings=True, initializer_range=0.2, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, bos_token_id=None)
    LlamaForCausalLM(config).save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def splits(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("data")
    (d / "train.jsonl").write_text("\n".join(read_lines(DATASET, 32)) + "\n")
    (d / "eval.jsonl").write_text("\n".join(read_lines(DATASET, 8, skip=500)) + "\n")
    return d / "train.jsonl", d / "eval.jsonl"


def complete_config(tiny_model: Path, splits: tuple[Path, Path], output_dir: Path, **overrides) -> dict:
    """A complete `train` config, as the TypeScript worker sends it: every field, with the values
    these tests train with (the trainer has no defaults). `overrides` may only replace fields."""
    train, evals = splits
    cfg = {
        "base_model": str(tiny_model), "train_file": str(train), "eval_file": str(evals), "format": "chat",
        "output_dir": str(output_dir), "resume_from": None,
        "lora": {"r": 8, "alpha": 16, "dropout": 0.1, "target_modules": "all-linear"},
        # packed (the default for chat): the 32 records (156-240 tokens) fill 15 rows of <= 512 tokens
        "epochs": 4, "learning_rate": 0.01, "lr_scheduler": "cosine", "warmup_ratio": 0.1, "batch_size": 2,
        "grad_accum": 2, "max_seq_len": 512, "seed": 7, "checkpoint_every": 4, "max_steps": None,
        "device": "cpu", "eval_every": None, "weight_decay": 0.0, "max_grad_norm": 1.0,
        "packing": True, "gradient_checkpointing": False, "quantize_base": None,
    }
    unknown = set(overrides) - set(cfg)
    assert not unknown, f"not config fields: {unknown}"
    return {**cfg, **overrides}


def events(stdout: str, with_usage: bool = False) -> list[dict]:
    """Parses the protocol stream; fails if any stdout line is not a JSON event, or if a `usage`
    line is anywhere but last. The usage line is left out unless `with_usage`."""
    out = []
    for line in stdout.splitlines():
        obj = json.loads(line)
        assert isinstance(obj, dict) and "event" in obj, line
        out.append(obj)
    usage_at = [i for i, e in enumerate(out) if e["event"] == "usage"]
    assert usage_at in ([], [len(out) - 1]), f"usage must be the one last line: {usage_at} of {len(out)}"
    return out if with_usage else [e for e in out if e["event"] != "usage"]


def trainer_cmd(cfg_path: Path, verb: str = "train") -> list[str]:
    return [sys.executable, "-m", "refinery_trainer", verb, "--config", str(cfg_path)]


def trainer_env() -> dict[str, str]:
    # one thread: the tiny model gains nothing from more, and the suite may share a busy CPU
    return {**os.environ, "PYTHONPATH": str(TRAINER_DIR), "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"}


def run_trainer(cfg: dict, tmp: Path, name: str = "cfg.json", verb: str = "train") -> tuple[int, list[dict], str]:
    path = tmp / name
    path.write_text(json.dumps(cfg))
    proc = subprocess.run(trainer_cmd(path, verb), capture_output=True, text=True, env=trainer_env(), timeout=300)
    return proc.returncode, events(proc.stdout), proc.stderr
