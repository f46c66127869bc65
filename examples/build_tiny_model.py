#!/usr/bin/env python3
"""Builds the demo base model: a tiny Llama-architecture causal LM in Hugging Face format.

  1. trains a byte-level BPE tokenizer (`tokenizers`) on the demo dataset's text, with special
     tokens for a chat template: <|system|> <|user|> <|assistant|> <|end|> (eos) <|pad|>
  2. initialises a small LlamaForCausalLM (GQA, RoPE, SwiGLU, tied embeddings) from a fixed seed
  3. pretrains it briefly on a corpus that covers the demo's vocabulary but not its task:
     *other* synthetic tickets (a different generator seed), the system prompt, the canned reply
     sentences on their own, and JSON ticket records whose department/priority are random.
     It never sees a ticket paired with its answer, which is what the LoRA demo then teaches.
     (LoRA cannot move the tied embeddings, so tokens the base never saw, like `":`, would
     stay nearly unpredictable however long the adapter trains.)
  4. writes config.json, model.safetensors, tokenizer files, chat_template.jinja and a build
     stamp (a hash of every input); if the output already holds a stamp for the same inputs, it
     does nothing. Safe to run concurrently: callers serialise on a lock file next to the
     output, and the model is built in a temp dir and renamed into place.

Usage: python examples/build_tiny_model.py [--out examples/models/tiny-llama] [--force]
Runs in about a minute on 2 idle CPU cores. Deterministic for a given host (fixed seeds).
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_support_dataset as tickets  # noqa: E402  (same directory)

BUILD_VERSION = 1
SPECIALS = ["<|pad|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
ARCH = dict(vocab_size=2048, hidden_size=128, intermediate_size=384, num_hidden_layers=4,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024)
PRETRAIN = dict(tickets=3000, seq_len=128, batch_size=16, steps=200, lr=3e-3, seed=1234)


STAMP = "refinery-build.json"


def stamp_matches(out: Path, digest: str) -> bool:
    try:
        return json.loads((out / STAMP).read_text()).get("inputs_sha256") == digest
    except (OSError, ValueError):
        return False


def input_hash(dataset: Path) -> str:
    h = hashlib.sha256()
    for part in (Path(__file__).read_bytes(), (HERE / "make_support_dataset.py").read_bytes(), dataset.read_bytes(),
                 json.dumps([BUILD_VERSION, ARCH, PRETRAIN]).encode()):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def train_tokenizer(dataset: Path, out: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    texts = [m["content"] for line in dataset.read_text(encoding="utf-8").splitlines() if line.strip()
             for m in json.loads(line)["messages"]]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)  # offsets feed the loss mask
    trainer = trainers.BpeTrainer(vocab_size=ARCH["vocab_size"], special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|end|>", pad_token="<|pad|>")
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(out)
    return fast


def pretrain_document(rng: random.Random) -> str:
    kind = rng.random()
    text, _, _ = tickets.make_ticket(rng)
    if kind < 0.6:
        return text
    if kind < 0.8:
        return tickets.SYSTEM_PROMPT + "\n" + text
    if kind < 0.9:
        return rng.choice(sorted(tickets.REPLIES.values()))
    fields = {"ticket": f"#{rng.randrange(100000, 999999)}", "status": rng.choice(["open", "closed", "pending"]),
              "department": rng.choice(sorted(tickets.ISSUES)), "priority": rng.choice(["low", "normal", "high"])}
    keys = list(fields)
    rng.shuffle(keys)
    return json.dumps({k: fields[k] for k in keys})


def pretrain_corpus(tokenizer) -> list[list[int]]:
    """Packed fixed-length sequences of pretraining documents, separated by eos."""
    rng = random.Random(PRETRAIN["seed"])
    ids: list[int] = []
    for _ in range(PRETRAIN["tickets"]):
        ids += tokenizer(pretrain_document(rng), add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    n = PRETRAIN["seq_len"]
    return [ids[i:i + n] for i in range(0, len(ids) - n + 1, n)]


def build(out: Path, dataset: Path) -> None:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(dataset, out)
    torch.manual_seed(0)
    config = LlamaConfig(**{**ARCH, "vocab_size": len(tokenizer)}, rope_theta=10000.0, tie_word_embeddings=True,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, bos_token_id=None)
    model = LlamaForCausalLM(config)

    seqs = torch.tensor(pretrain_corpus(tokenizer))
    steps, bs = PRETRAIN["steps"], PRETRAIN["batch_size"]
    opt = torch.optim.AdamW(model.parameters(), lr=PRETRAIN["lr"], weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 20) * 0.5 * (1 + math.cos(math.pi * s / steps)))
    gen = torch.Generator().manual_seed(PRETRAIN["seed"])
    model.train()
    for step in range(steps):
        batch = seqs[torch.randint(len(seqs), (bs,), generator=gen)]
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        if step % 50 == 0 or step == steps - 1:
            print(f"pretrain step {step + 1}/{steps} loss {loss.item():.3f} ({time.perf_counter() - t0:.0f}s)",
                  file=sys.stderr, flush=True)
    model.eval()
    model.save_pretrained(out)
    print(f"built {out} ({sum(p.numel() for p in model.parameters()):,} params, vocab {len(tokenizer)}, "
          f"{len(seqs)} pretraining sequences) in {time.perf_counter() - t0:.0f}s", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(HERE / "models" / "tiny-llama"))
    ap.add_argument("--dataset", default=str(HERE / "datasets" / "support-tickets.jsonl"),
                    help="chat JSONL whose text trains the tokenizer")
    ap.add_argument("--force", action="store_true", help="rebuild even if the stamp matches")
    args = ap.parse_args()
    out, dataset = Path(args.out).resolve(), Path(args.dataset)
    digest = input_hash(dataset)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Concurrent callers (several test suites, `npm start`) queue on a lock; the first builds,
    # the rest find the fresh stamp and return.
    with open(out.parent / f".{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not args.force and stamp_matches(out, digest):
            print(f"{out} is up to date (inputs {digest[:12]})", file=sys.stderr)
            return
        # Build beside the target and swap it in, so readers never see a half-written model.
        tmp = out.parent / f".tmp-{out.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        build(tmp, dataset)
        (tmp / STAMP).write_text(json.dumps({"builder_version": BUILD_VERSION, "inputs_sha256": digest,
                                             "arch": ARCH, "pretrain": PRETRAIN}, indent=1) + "\n")
        if out.exists():
            old = out.parent / f".old-{out.name}-{os.getpid()}"
            os.rename(out, old)
            shutil.rmtree(old)
        os.rename(tmp, out)


if __name__ == "__main__":
    main()
