#!/usr/bin/env python3
"""Builds a tiny base model of one of the families customers tune, in Hugging Face format, with
that family's kind of tokenizer and chat template (the demo uses `llama`):

  llama    LlamaForCausalLM, tied embeddings, rope base 10000; byte-level BPE (GPT-2 split)
           with <|system|> <|user|> <|assistant|> <|end|> (eos) <|pad|> markers
  mistral  MistralForCausalLM, untied lm_head, rope base 1e6; a SentencePiece BPE model
           (tokenizer.model: byte fallback, split digits, dummy prefix, <s> </s> <unk>) and the
           [INST] ... [/INST] template with BOS, the system prompt folded into the first turn
  qwen2    Qwen2ForCausalLM (q/k/v biases), tied embeddings, rope base 1e6; byte-level BPE with
           Qwen2's split regex and NFC normaliser, ChatML (<|im_start|> <|im_end|> <|endoftext|>)

  1. trains the tokenizer on the demo dataset's text
  2. initialises the model (GQA, RoPE, SwiGLU) from a fixed seed
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

Usage: python examples/build_tiny_model.py [--arch llama|mistral|qwen2] [--out DIR] [--force]
(default out: examples/models/tiny-<arch>). About a minute on 2 idle CPU cores. Deterministic for
a given host (fixed seeds).
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

BUILD_VERSION = 2
SIZE = dict(hidden_size=128, intermediate_size=384, num_hidden_layers=4, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=1024)
VOCAB_SIZE = 2048
PRETRAIN = dict(tickets=3000, seq_len=128, batch_size=16, steps=200, lr=3e-3, seed=1234)
# Qwen2's pre-tokenizer split (its tokenizer.json); llama.cpp's "qwen2" pre-tokenizer is the same regex.
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def dataset_texts(dataset: Path) -> list[str]:
    return [m["content"] for line in dataset.read_text(encoding="utf-8").splitlines() if line.strip()
            for m in json.loads(line)["messages"]]


def byte_level_bpe(texts: list[str], specials: list[str], split_regex: str | None):
    """A byte-level BPE `tokenizers.Tokenizer`: GPT-2's split, or `split_regex` (Qwen2's) + NFC."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    if split_regex:
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(split_regex), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    else:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)  # offsets feed the loss mask
    tok.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE, special_tokens=specials, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return tok


def llama_tokenizer(texts: list[str], out: Path):
    from transformers import PreTrainedTokenizerFast

    tok = byte_level_bpe(texts, ["<|pad|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"], None)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|end|>", pad_token="<|pad|>")
    fast.chat_template = (
        "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")
    return fast


def qwen2_tokenizer(texts: list[str], out: Path):
    from transformers import PreTrainedTokenizerFast

    tok = byte_level_bpe(texts, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], QWEN2_SPLIT)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    fast.chat_template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    return fast


def mistral_tokenizer(texts: list[str], out: Path):
    """SentencePiece BPE with Mistral's settings; transformers converts tokenizer.model to its
    own (legacy=True: a prefix space after special tokens, as llama.cpp's SPM tokenizer adds)."""
    import sentencepiece as spm
    from transformers import AutoTokenizer

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_prefix=str(out / "tokenizer"), model_type="bpe",
        vocab_size=VOCAB_SIZE, byte_fallback=True, split_digits=True, add_dummy_prefix=True,
        remove_extra_whitespaces=False, normalization_rule_name="identity", character_coverage=1.0,
        allow_whitespace_only_pieces=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        num_threads=1, minloglevel=2)
    (out / "tokenizer.vocab").unlink()
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "LlamaTokenizer", "legacy": True, "add_bos_token": True, "add_eos_token": False,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}))
    fast = AutoTokenizer.from_pretrained(out)
    fast.chat_template = (
        "{{ bos_token }}{% for m in messages %}"
        "{% if m['role'] == 'user' %}[INST] {% if loop.index0 == 1 and messages[0]['role'] == 'system' %}"
        "{{ messages[0]['content'] }}\n\n{% endif %}{{ m['content'] }} [/INST]"
        "{% elif m['role'] == 'assistant' %}{{ m['content'] }}{{ eos_token }}{% endif %}{% endfor %}")
    return fast


def llama_model(tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    return LlamaForCausalLM(LlamaConfig(
        **SIZE, vocab_size=len(tokenizer), rope_theta=10000.0, tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, bos_token_id=None))


def mistral_model(tokenizer):
    from transformers import MistralConfig, MistralForCausalLM

    return MistralForCausalLM(MistralConfig(
        **SIZE, vocab_size=len(tokenizer), rope_theta=1e6, tie_word_embeddings=False, sliding_window=None,
        eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id, pad_token_id=None))


def qwen2_model(tokenizer):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    return Qwen2ForCausalLM(Qwen2Config(
        **SIZE, vocab_size=len(tokenizer), rope_theta=1e6, tie_word_embeddings=True, use_sliding_window=False,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, bos_token_id=None))


FAMILIES = {"llama": (llama_tokenizer, llama_model), "mistral": (mistral_tokenizer, mistral_model),
            "qwen2": (qwen2_tokenizer, qwen2_model)}
STAMP = "refinery-build.json"


def stamp_matches(out: Path, digest: str) -> bool:
    try:
        return json.loads((out / STAMP).read_text()).get("inputs_sha256") == digest
    except (OSError, ValueError):
        return False


def input_hash(dataset: Path, arch: str) -> str:
    h = hashlib.sha256()
    for part in (Path(__file__).read_bytes(), (HERE / "make_support_dataset.py").read_bytes(), dataset.read_bytes(),
                 json.dumps([BUILD_VERSION, arch, SIZE, VOCAB_SIZE, PRETRAIN]).encode()):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def pretrain_document(rng: random.Random) -> str:
    kind = rng.random()
    text, _, _ = tickets.make_ticket(rng)
    if kind < 0.45:
        return text
    if kind < 0.6:
        # Reading comprehension, not the task: the ticket, then what it says about timing, quoted.
        # A base model from the web knows "URGENT" from "no rush"; this tiny one learns to find
        # such a phrase in a ticket, and the LoRA run then learns what priority it means.
        said = next((c for c in tickets.HIGH_CUES + tickets.LOW_CUES if c in text), None)
        return f"{text}\nOn timing, the customer wrote: {said or 'nothing'}"
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


def build(out: Path, dataset: Path, arch: str) -> None:
    import torch

    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    make_tokenizer, make_model = FAMILIES[arch]
    tokenizer = make_tokenizer(dataset_texts(dataset), out)
    tokenizer.save_pretrained(out)
    torch.manual_seed(0)
    model = make_model(tokenizer)

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
    print(f"built {arch} {out} ({sum(p.numel() for p in model.parameters()):,} params, vocab {len(tokenizer)}, "
          f"{len(seqs)} pretraining sequences) in {time.perf_counter() - t0:.0f}s", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=sorted(FAMILIES), default="llama")
    ap.add_argument("--out", help="default: examples/models/tiny-<arch>")
    ap.add_argument("--dataset", default=str(HERE / "datasets" / "support-tickets.jsonl"),
                    help="chat JSONL whose text trains the tokenizer")
    ap.add_argument("--force", action="store_true", help="rebuild even if the stamp matches")
    args = ap.parse_args()
    out = Path(args.out or HERE / "models" / f"tiny-{args.arch}").resolve()
    dataset = Path(args.dataset)
    digest = input_hash(dataset, args.arch)
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
        build(tmp, dataset, args.arch)
        (tmp / STAMP).write_text(json.dumps({"builder_version": BUILD_VERSION, "inputs_sha256": digest, "arch": args.arch,
                                             "size": SIZE, "pretrain": PRETRAIN}, indent=1) + "\n")
        if out.exists():
            old = out.parent / f".old-{out.name}-{os.getpid()}"
            os.rename(out, old)
            shutil.rmtree(old)
        os.rename(tmp, out)


if __name__ == "__main__":
    main()
