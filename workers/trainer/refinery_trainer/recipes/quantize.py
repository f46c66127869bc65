"""`quantize`: export a (merged) HF model to GGUF files for llama.cpp, top to bottom:

  config:   Config (every field required) -- the contract is PROTOCOL.md
  convert:  llama.cpp's convert_hf_to_gguf.py (the bundle's, with its own gguf-py; see
            gguf_convert.py for the gaps it closes) -> an f16 GGUF
  parity:   the HF tokenizer and llama.cpp (llama-tokenize on the f16 file) must give the same
            ids for a fixed chat rendered with the model's template (special markers, digits,
            whitespace runs, non-ASCII); a difference fails the stage: every GGUF would see
            different tokens than the model was trained on
  quantize: llama-quantize from the f16 file, once per requested format
  finish:   `done` with the llama.cpp commit, the files, the parity result and the chat prompt
            (system + user turns, generation prompt added) as the HF template renders it, with
            its ids: the GPU worker checks that node-llama-cpp's chat wrapper, reading the GGUF's
            template, builds the same prompt (chat-template parity), and the template as per-role
            prefix/suffix strings (chat_format.py) for apps that cannot run Jinja (Ollama)

Every file is written under a .tmp name and renamed when complete. If f16 is not requested, the
intermediate f16 file is deleted at the end. A cancellation kills the running tool.

Recipe interface (cli.py): `Config`, `load_config(path) -> Config`, `run(cfg, cancel) -> int`.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .. import llama_cpp
from ..cancellation import Cancellation, Cancelled
from ..chat_format import hf_chat_format
from ..config import load_checked, local_path
from ..errors import InvalidInput
from ..model_source import resolve_base_model
from ..progress import emit, log

FORMATS = ("f16", "q8_0", "q4_0", "q4_K_M")
LLAMA_QUANT_TYPES = {"q8_0": "Q8_0", "q4_0": "Q4_0", "q4_K_M": "Q4_K_M"}
CONVERTER = Path(__file__).resolve().parents[1] / "gguf_convert.py"
# Converter failures that mean "this model cannot be exported", not "try again".
CONVERTER_INVALID = ("NotImplementedError", "is not supported", "not recognized")

# A conversation that exercises what a tokenizer port gets wrong: chat markers, digits, runs of
# spaces and newlines, tabs, apostrophes, JSON punctuation, accented letters and an emoji.
PARITY_MESSAGES = [
    {"role": "system", "content": "You are a support assistant. Answer in JSON."},
    {"role": "user", "content": "Order #4521 hasn't arrived -- it's been 3 weeks!\n\n  Can you check?\tThanks, Zoë 🙂"},
    {"role": "assistant", "content": '{"department": "shipping", "priority": "high", "eta_days": 12}'},
]


@dataclass(frozen=True)
class Config:
    model_dir: str
    output_dir: str
    formats: tuple[str, ...]
    threads: int | None


def config_problems(cfg: Config) -> list[str]:
    problems = []
    if not local_path(cfg.model_dir).is_dir():
        problems.append(f"model_dir: {cfg.model_dir} is not a directory")
    bad = [f for f in cfg.formats if f not in FORMATS]
    if not cfg.formats:
        problems.append(f"formats: must be a non-empty list of {', '.join(FORMATS)}")
    elif bad:
        problems.append(f"formats: unknown format(s) {', '.join(json.dumps(b) for b in bad)}; "
                        f"must be among {', '.join(FORMATS)}")
    elif len(set(cfg.formats)) != len(cfg.formats):
        problems.append("formats: duplicates are not allowed")
    if cfg.threads is not None and cfg.threads < 1:
        problems.append(f"threads: must be >= 1 or null, got {cfg.threads}")
    return problems


def load_config(path: str | Path) -> Config:
    return load_checked(path, Config, config_problems)


def gguf_name(fmt: str) -> str:
    return f"model-{fmt}.gguf"


# --- steps ---------------------------------------------------------------------------------------


def convert(model_dir: Path, out: Path, threads: int, cancel: Cancellation) -> dict:
    """HF dir -> f16 GGUF; returns the converter's summary (tokenizer pre, rope base, fixes)."""
    env = {**llama_cpp.python_env(), "OMP_NUM_THREADS": str(threads)}
    stdout = llama_cpp.run([sys.executable, CONVERTER, llama_cpp.home(), model_dir, out], cancel,
                           "convert_hf_to_gguf", env=env, invalid_markers=CONVERTER_INVALID)
    summary = json.loads(stdout.strip().splitlines()[-1])
    log(f"converted {model_dir} -> {out}: {summary}")
    return summary


def quantize(f16: Path, out: Path, fmt: str, threads: int, cancel: Cancellation) -> None:
    llama_cpp.run([llama_cpp.tool("llama-quantize"), f16, out, LLAMA_QUANT_TYPES[fmt], str(threads)], cancel,
                  f"llama-quantize {fmt}")


def gguf_token_ids(gguf: Path, text: str, work_dir: Path, cancel: Cancellation) -> list[int]:
    """llama.cpp's ids for `text` as its tools tokenize a prompt: special tokens parsed, BOS as
    the GGUF says (llama-tokenize reads the file verbatim with --no-escape)."""
    text_file = work_dir / ".parity-text.txt"
    text_file.write_bytes(text.encode("utf-8"))
    try:
        stdout = llama_cpp.run([llama_cpp.tool("llama-tokenize"), "-m", gguf, "-f", text_file, "--ids",
                                "--no-escape", "--log-disable"], cancel, "llama-tokenize")
    finally:
        text_file.unlink(missing_ok=True)
    line = next(l for l in reversed(stdout.splitlines()) if l.startswith("["))
    return json.loads(line)


def tokenizer_parity(model_dir: Path, gguf: Path, work_dir: Path, cancel: Cancellation) -> dict:
    from ..runtime import load_tokenizer

    tokenizer, _ = load_tokenizer(model_dir)
    text = tokenizer.apply_chat_template(PARITY_MESSAGES, tokenize=False)
    hf = list(tokenizer(text)["input_ids"])  # add_special_tokens=True, as llama.cpp adds BOS when the GGUF says so
    gg = gguf_token_ids(gguf, text, work_dir, cancel)
    return {"text": text, "hf_tokens": hf, "gguf_tokens": gg, "equal": hf == gg}


def chat_prompt(model_dir: Path) -> dict:
    """What a chat app's first prompt must be: the HF template on system + user, ready for the
    assistant's answer, and its ids (the template's own BOS, nothing added)."""
    from ..runtime import load_tokenizer

    tokenizer, _ = load_tokenizer(model_dir)
    messages = PARITY_MESSAGES[:2]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return {"messages": messages, "text": text, "hf_tokens": list(tokenizer(text, add_special_tokens=False)["input_ids"])}


def chat_format(model_dir: Path, add_bos_token: bool) -> dict:
    """The HF template as per-role prefix/suffix strings, or why it cannot be (chat_format.py)."""
    from ..runtime import load_tokenizer

    tokenizer, _ = load_tokenizer(model_dir)
    return hf_chat_format(tokenizer, add_bos_token)


def parity_error(parity: dict, tokenizer_pre: str | None) -> str:
    hf, gg = parity["hf_tokens"], parity["gguf_tokens"]
    at = next((i for i, (a, b) in enumerate(zip(hf, gg)) if a != b), min(len(hf), len(gg)))
    return (f"tokenizer parity: llama.cpp tokenizes differently from the HF tokenizer (GGUF pre-tokenizer "
            f"{tokenizer_pre!r}); first difference at token {at}: HF {hf[at:at + 8]} vs GGUF {gg[at:at + 8]} "
            f"({len(hf)} vs {len(gg)} tokens). The GGUF files would not see the tokens the model was trained on.")


# --- run -----------------------------------------------------------------------------------------


def run(cfg: Config, cancel: Cancellation) -> int:
    out_dir = local_path(cfg.output_dir)
    try:
        return _quantize(cfg, cancel, out_dir)
    except Cancelled:
        for tmp in out_dir.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
        emit("cancelled", step=0, checkpoint=None)
        log(f"quantize cancelled by signal {cancel.signum}")
        return cancel.exit_code


def _quantize(cfg: Config, cancel: Cancellation, out_dir: Path) -> int:
    model_dir = resolve_base_model(cfg.model_dir)  # checks it is a complete HF model dir
    threads = llama_cpp.threads(cfg.threads)
    commit = llama_cpp.commit()
    out_dir.mkdir(parents=True, exist_ok=True)
    quantized = [f for f in cfg.formats if f != "f16"]
    total = 1 + len(quantized)
    files: dict[str, dict] = {}

    def finish(tmp: Path, fmt: str, t0: float) -> None:
        path = out_dir / gguf_name(fmt)
        tmp.rename(path)
        files[fmt] = {"format": fmt, "path": str(path), "bytes": path.stat().st_size,
                      "seconds": round(time.perf_counter() - t0, 3)}

    emit("progress", phase="convert", format="f16", done=0, total=total)
    t0 = time.perf_counter()
    f16_tmp = out_dir / (gguf_name("f16") + ".tmp")
    summary = convert(model_dir, f16_tmp, threads, cancel)
    finish(f16_tmp, "f16", t0)
    f16 = Path(files["f16"]["path"])
    emit("progress", phase="convert", format="f16", done=1, total=total)

    parity = tokenizer_parity(model_dir, f16, out_dir, cancel)
    if not parity["equal"]:
        raise InvalidInput(parity_error(parity, summary.get("tokenizer_pre")))

    for i, fmt in enumerate(quantized, start=2):
        emit("progress", phase="quantize", format=fmt, done=i - 1, total=total)
        t0 = time.perf_counter()
        tmp = out_dir / (gguf_name(fmt) + ".tmp")
        quantize(f16, tmp, fmt, threads, cancel)
        finish(tmp, fmt, t0)
        emit("progress", phase="quantize", format=fmt, done=i, total=total)

    if "f16" not in cfg.formats:
        f16.unlink()
    emit("done", llama_cpp={"commit": commit}, files=[files[f] for f in cfg.formats], tokenizer_parity=parity,
         chat_prompt=chat_prompt(model_dir), chat_format=chat_format(model_dir, bool(summary.get("add_bos_token"))),
         gguf={k: summary.get(k) for k in ("architecture", "tokenizer_pre", "rope_freq_base", "add_bos_token", "fixes")})
    return 0
