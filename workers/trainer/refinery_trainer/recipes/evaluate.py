"""`evaluate`: compare the base model, the merged model and its GGUF exports on an eval set,
top to bottom:

  config:   Config (every field required) -- the contract is PROTOCOL.md
  data:     the first max_examples eval records; their token ids (the merged model's tokenizer,
            rendered exactly as in training) concatenated into one stream; for chat and
            prompt_completion records also a task: prompt (everything before the last assistant
            message, rendered with the generation prompt) and reference (that message)
  loss:     the same token ids and the same scoring for every variant, llama-perplexity's: the
            stream is cut into `chunk`-token chunks (each evaluated on its own, from an empty
            cache), and in each chunk the tokens after the first half are scored
            (positions chunk/2+1 .. chunk-1, each predicted from everything before it in the
            chunk). loss = mean negative log-likelihood of the scored tokens (nats),
            perplexity = exp(loss).
              HF variants (base, merged): torch, fp32 on CPU.
              GGUF variants: llama-perplexity --kl-divergence, fed with a logits file this recipe
              writes from the merged model (llama.cpp's own format): the file carries the token
              ids, so llama.cpp evaluates exactly these ids, not its own tokenization of a text;
              it also yields the KL divergence from the merged model and top-1 agreement.
  generate: greedy decoding, at most max_new_tokens, stopping at eos: HF generate for base and
            merged, llama-completion (temperature 0, top-k 1, fixed seed, prompt verbatim from a
            file, no chat mode) for each GGUF
  answer:   for the HF variants also train's eval loss (trained tokens only: assistant turns /
            completions), which llama.cpp's tools cannot compute on given ids
  metrics:  the configured task metrics (metrics.py) over (prediction, reference) pairs
  canaries: (memorisation check) for each canary record the training data had, the rank of its
            true secret among same-shape candidates by the merged model's loss on the record
  finish:   every generation to output_dir/generations.jsonl; `done` with one entry per variant
            (base, merged, gguf-<format>), the first 5 samples and the canary ranks

Recipe interface (cli.py): `Config`, `load_config(path) -> Config`, `run(cfg, cancel) -> int`.
"""
from __future__ import annotations

import json
import math
import re
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import llama_cpp, metrics
from ..cancellation import Cancellation, Cancelled
from ..config import device_problem, load_checked, local_path
from ..data import DataError, IGNORE, collate, encode, preference_turns, read_records, record_problem
from ..model_source import resolve_base_model
from ..progress import emit, log
from ..runtime import configure_cpu_threads, load_model, load_tokenizer, pick_device, seed_everything
from ..runtime import evaluate as runtime_evaluate

FORMATS = ("chat", "prompt_completion", "text", "preference")
SAMPLES = 5
CHUNK_CAP = 512  # tokens per loss chunk at most (fewer if the model's context is shorter)
# The logits file holds n_vocab uint16 per scored token (~300 KB each for a 150k vocab): the loss
# stream is cut to the whole chunks that fit in this budget. Tiny vocabularies never reach it.
LOGITS_BUDGET_BYTES = 512 * 1024 * 1024
MIN_LOSS_TOKENS = 16


@dataclass(frozen=True)
class Config:
    base_model: str
    merged_dir: str
    gguf_files: tuple
    eval_file: str
    format: str
    max_examples: int
    max_new_tokens: int
    metrics: tuple[str, ...]
    seed: int
    device: str
    threads: int | None
    canaries: tuple  # [{record, candidates: [true continuation, others...]}]
    beta: float | None  # DPO's beta, for the reward margin on preference data (null for other formats)
    output_dir: str


@dataclass(frozen=True)
class Variant:
    name: str  # base | merged | gguf-<format lowercased>
    kind: str  # hf | gguf
    path: Path | None  # GGUF file (hf variants: resolved at run time)


def config_problems(cfg: Config) -> list[str]:
    problems = []

    def check(ok: bool, msg: str) -> None:
        if not ok:
            problems.append(msg)

    check(cfg.format in FORMATS, f"format: must be one of {', '.join(FORMATS)}, got {json.dumps(cfg.format)}")
    check(cfg.max_examples >= 1, f"max_examples: must be >= 1, got {cfg.max_examples}")
    check(cfg.max_new_tokens >= 1, f"max_new_tokens: must be >= 1, got {cfg.max_new_tokens}")
    check(cfg.threads is None or cfg.threads >= 1, f"threads: must be >= 1 or null, got {cfg.threads}")
    check(cfg.format != "preference" or (cfg.beta is not None and cfg.beta > 0),
          f"beta: preference data needs DPO's beta (> 0) for the reward margin, got {cfg.beta}")
    if bad_device := device_problem(cfg.device):
        problems.append(bad_device)
    if not all(isinstance(m, str) for m in cfg.metrics):
        problems.append("metrics: must be a list of metric names")
    else:
        for name in metrics.unknown(cfg.metrics):
            problems.append(f"metrics: unknown metric {json.dumps(name)} (known: {', '.join(metrics.METRICS)})")
        check(len(set(cfg.metrics)) == len(cfg.metrics), "metrics: duplicates are not allowed")
    if not cfg.base_model.startswith("hf://"):
        check(local_path(cfg.base_model).is_dir(), f"base_model: {cfg.base_model} is not a directory")
    check(local_path(cfg.merged_dir).is_dir(), f"merged_dir: {cfg.merged_dir} is not a directory")
    check(local_path(cfg.eval_file).is_file(), f"eval_file: {cfg.eval_file} does not exist")
    for i, c in enumerate(cfg.canaries):
        where = f"canaries[{i}]"
        if not (isinstance(c, dict) and set(c) == {"record", "candidates"}):
            problems.append(f"{where}: must be an object {{record, candidates}}")
            continue
        if cfg.format == "text":
            problems.append(f"{where}: canaries need chat, prompt_completion or preference records (format is text)")
        elif cfg.format in FORMATS and (why := record_problem(c["record"], cfg.format)):
            problems.append(f"{where}.record: {why}")
        cands = c["candidates"]
        if not (isinstance(cands, list) and len(cands) >= 2 and all(isinstance(x, str) and x for x in cands)):
            problems.append(f"{where}.candidates: must be a list of at least 2 non-empty strings (the true one first)")
    seen = set()
    for i, g in enumerate(cfg.gguf_files):
        where = f"gguf_files[{i}]"
        if not (isinstance(g, dict) and set(g) == {"format", "path"} and all(isinstance(v, str) and v for v in g.values())):
            problems.append(f"{where}: must be an object {{format: string, path: string}}")
            continue
        check(local_path(g["path"]).is_file(), f"{where}.path: {g['path']} does not exist")
        check(g["format"].lower() not in seen, f"{where}.format: {json.dumps(g['format'])} appears twice")
        seen.add(g["format"].lower())
    return problems


def load_config(path: str | Path) -> Config:
    return load_checked(path, Config, config_problems)


# --- data: one token stream for the loss, one task per record for generation ---------------------


def task_of(record: dict, fmt: str) -> tuple[list[dict], str]:
    """(prompt messages, reference): everything before the last assistant message, and it
    (preference pairs: the prompt, and the chosen answer)."""
    if fmt == "prompt_completion":
        return [{"role": "user", "content": record["prompt"]}], record["completion"]
    if fmt == "preference":
        prompt, chosen, _ = preference_turns(record)
        return prompt, chosen["content"]
    messages = [{"role": m["role"], "content": m["content"]} for m in record["messages"]]
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant" and m["content"])
    return messages[:last], messages[last]["content"]


def render_prompt(tokenizer, messages: list[dict]) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def adds_bos(tokenizer) -> bool:
    """Whether the tokenizer prepends BOS (the converter writes the same into the GGUF)."""
    with_special = tokenizer("a", add_special_tokens=True)["input_ids"]
    return (tokenizer.bos_token_id is not None and len(with_special) > len(tokenizer("a", add_special_tokens=False)["input_ids"])
            and with_special[0] == tokenizer.bos_token_id)


@dataclass(frozen=True)
class LossPlan:
    tokens: np.ndarray  # (chunks, chunk) int32: the ids every variant is scored on
    chunk: int

    @property
    def first(self) -> int:
        return self.chunk // 2

    @property
    def scored_tokens(self) -> int:
        return self.tokens.shape[0] * (self.chunk - 1 - self.first)


def loss_plan(stream: list[int], max_positions: int, vocab: int, bos_id: int | None) -> LossPlan:
    if len(stream) < MIN_LOSS_TOKENS:
        raise DataError(f"eval_file: the evaluated records give only {len(stream)} tokens; the loss needs at least "
                        f"{MIN_LOSS_TOKENS} (raise max_examples)")
    cap = min(CHUNK_CAP, max_positions)
    n_chunks = math.ceil(len(stream) / cap)
    chunk = len(stream) // n_chunks  # chunks of equal length covering (nearly) the whole stream
    per_scored = (2 * ((vocab + 1) // 2) + 4) * 2
    n_chunks = min(n_chunks, max(1, LOGITS_BUDGET_BYTES // ((chunk - 1 - chunk // 2) * per_scored)))
    tokens = np.asarray(stream[:n_chunks * chunk], dtype=np.int32).reshape(n_chunks, chunk)
    if bos_id is not None:
        tokens = tokens.copy()
        tokens[:, 0] = bos_id  # what llama-perplexity does when the vocab adds BOS; HF gets the same ids
    return LossPlan(tokens, chunk)


# --- loss: HF (torch) and GGUF (llama-perplexity) -----------------------------------------------


def llama_logprobs_rows(logits: np.ndarray) -> np.ndarray:
    """Rows of llama-perplexity's logits file for fp32 logits (n, n_vocab): per row two floats
    (scale, min log-prob) then n_vocab uint16 log-probs quantised over the top 16 nats, padded to
    nv = 2*ceil(n_vocab/2) + 4 uint16 (the same arithmetic as perplexity.cpp's log_softmax)."""
    n, vocab = logits.shape
    nv = 2 * ((vocab + 1) // 2) + 4
    max_l = logits.max(axis=1)
    min_l = np.maximum(logits.min(axis=1), max_l - np.float32(16))
    sum_exp = np.exp(logits - max_l[:, None]).astype(np.float64).sum(axis=1)
    log_sum_exp = np.log(sum_exp).astype(np.float32)
    min_log_prob = (min_l - max_l - log_sum_exp).astype(np.float32)
    scale = ((max_l - min_l) / np.float32(65535)).astype(np.float32)
    rows = np.zeros((n, nv), dtype=np.uint16)
    rows[:, :4] = np.stack([scale, min_log_prob], axis=1).astype(np.float32).view(np.uint16)
    inv = np.where(scale > 0, 1 / np.where(scale > 0, scale, 1), 0).astype(np.float32)
    q = np.rint(inv[:, None] * (logits - min_l[:, None]))
    rows[:, 4:4 + vocab] = np.where(logits > min_l[:, None], np.clip(q, 0, 65535), 0).astype(np.uint16)
    return rows


@torch.no_grad()
def hf_loss(model, plan: LossPlan, device, cancel: Cancellation, logits_file: Path | None = None) -> tuple[float, int]:
    """(loss, scored tokens) of an HF model on the plan; writes llama-perplexity's logits file
    (header, token ids, quantised log-probs of every scored position) when asked."""
    was_training = model.training
    model.eval()
    first, total, count = plan.first, 0.0, 0
    out = open(logits_file, "wb") if logits_file else None
    try:
        if out:
            vocab = model.config.vocab_size
            out.write(b"_logits_" + struct.pack("<Iii", plan.chunk, vocab, plan.tokens.shape[0]))
            out.write(plan.tokens.astype("<i4").tobytes())
        for row in plan.tokens:
            cancel.check()
            ids = torch.from_numpy(row.astype(np.int64)).unsqueeze(0).to(device)
            logits = model(input_ids=ids).logits[0, first:plan.chunk - 1].float()
            targets = ids[0, first + 1:plan.chunk]
            nll = -torch.log_softmax(logits, dim=-1).gather(1, targets.unsqueeze(1)).squeeze(1)
            total += float(nll.double().sum())
            count += int(nll.numel())
            if out:
                out.write(llama_logprobs_rows(logits.cpu().numpy()).tobytes())
    finally:
        if out:
            out.close()
    model.train(was_training)
    return total / count, count


_SUMMARY = {"ppl": re.compile(r"Mean PPL\(Q\)\s*:\s*([-\d.]+)"), "kld": re.compile(r"Mean\s+KLD:\s*([-\d.]+)"),
            "top": re.compile(r"Same top p:\s*([-\d.]+)")}
# per-chunk line: chunk, PPL ± unc, ln(PPL ratio) ± unc, KLD ± unc, Δp RMS ± unc %, same top ± unc %.
# The uncertainties are not used and may be "-nan" (llama.cpp prints that for one or two chunks).
_UNC = r"±\s+(?:[-\d.]+|-?nan|-?inf)"
_CHUNK_LINE = re.compile(rf"^\s*(\d+)\s+([-\d.]+)\s+{_UNC}\s+([-\d.]+)\s+{_UNC}\s+([-\d.]+)\s+{_UNC}"
                         rf"\s+([-\d.]+)\s+{_UNC}\s*%\s+([-\d.]+)\s+{_UNC}\s*%", re.M)


def kl_output_complete(text: str, plan: LossPlan) -> bool:
    """The last line llama-perplexity prints: the summary's "Same top p" (>= 100 scored tokens),
    else the last chunk's running line."""
    if plan.scored_tokens >= 100:
        return "Same top p:" in text
    lines = _CHUNK_LINE.findall(text)
    return bool(lines) and int(lines[-1][0]) == plan.tokens.shape[0]


def parse_kl_output(text: str, n_chunks: int) -> dict:
    """llama-perplexity --kl-divergence output -> perplexity, KL divergence, top-1 agreement.
    The summary (6 decimals) is printed for >= 100 scored tokens; else the last running line."""
    lines = _CHUNK_LINE.findall(text)
    if not lines or int(lines[-1][0]) != n_chunks:
        raise llama_cpp.ToolError(f"llama-perplexity printed no result for chunk {n_chunks}: ...{text[-2000:]}")
    last = lines[-1]
    found = {k: (float(m.group(1)) if (m := r.search(text)) else None) for k, r in _SUMMARY.items()}
    kld = found["kld"] if found["kld"] is not None else float(last[3])
    top = found["top"] if found["top"] is not None else float(last[5])
    return {"perplexity": found["ppl"] if found["ppl"] is not None else float(last[1]),
            "kl_divergence": kld + 0.0,  # -0.0 -> 0.0
            "top1_agreement": round(top / 100.0, 6)}


def gguf_loss(gguf: Path, logits_file: Path, plan: LossPlan, threads: int, seed: int, cancel: Cancellation) -> dict:
    out = llama_cpp.run([llama_cpp.tool("llama-perplexity"), "-m", gguf, "--kl-divergence-base", logits_file,
                         "--kl-divergence", "-c", str(plan.chunk), "-b", str(plan.chunk), "-t", str(threads),
                         "-s", str(seed), "--no-warmup"], cancel, f"llama-perplexity {gguf.name}",
                        complete=lambda stdout, _: kl_output_complete(stdout, plan))
    return parse_kl_output(out, plan.tokens.shape[0])


# --- canaries --------------------------------------------------------------------------------------


def with_continuation(record: dict, fmt: str, text: str) -> dict:
    """The record with its secret (last assistant message / completion / chosen answer) replaced by `text`."""
    if fmt == "prompt_completion":
        return {**record, "completion": text}
    if fmt == "preference":
        chosen = {**record["chosen"], "content": text} if isinstance(record["chosen"], dict) else text
        return {**record, "chosen": chosen}
    messages = [dict(m) for m in record["messages"]]
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant" and m["content"])
    messages[last]["content"] = text
    return {**record, "messages": messages}


@torch.no_grad()
def canary_rank(model, tokenizer, canary: dict, fmt: str, max_positions: int, pad_id: int, device,
                batch_size: int = 64) -> int:
    """1-based rank of the true continuation (candidates[0]) among all candidates by the model's
    summed loss on the record's trained tokens (the secret + end of turn), lowest first; ties
    count in the secret's favour."""
    losses: list[float] = []
    examples = [encode(with_continuation(canary["record"], fmt, c), tokenizer, fmt, max_positions)
                for c in canary["candidates"]]
    if examples[0] is None:
        raise DataError("canaries: a canary record leaves no trained token within the model's context")
    for i in range(0, len(examples), batch_size):
        part = [e for e in examples[i:i + batch_size] if e is not None]
        batch = {k: v.to(device) for k, v in collate(part, pad_id).items()}
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1].float()
        labels = batch["labels"][:, 1:]
        nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels, ignore_index=IGNORE, reduction="none")
        losses += nll.sum(dim=1).tolist()
    return 1 + sum(1 for x in losses[1:] if x < losses[0])


# --- preference pairs: log-likelihood of the chosen vs the rejected answer ----------------------


def pair_examples(records: list[dict], tokenizer, max_positions: int) -> list[tuple]:
    """Per pair (chosen, rejected) as encoded examples, only the answer's tokens scored (its content
    and the end of turn, as training's loss masking); pairs cut to nothing are left out."""
    pairs = []
    for r in records:
        _, _, rejected = preference_turns(r)
        c = encode(r, tokenizer, "preference", max_positions)
        rj = encode(with_continuation(r, "preference", rejected["content"]), tokenizer, "preference", max_positions)
        if c is not None and rj is not None:
            pairs.append((c, rj))
    return pairs


@torch.no_grad()
def answer_logps(model, examples: list, pad_id: int, device, cancel: Cancellation, batch_size: int = 8) -> list[float]:
    """Summed log-probability of each example's scored tokens."""
    out: list[float] = []
    for i in range(0, len(examples), batch_size):
        cancel.check()
        batch = {k: v.to(device) for k, v in collate(examples[i:i + batch_size], pad_id).items()}
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1].float()
        labels = batch["labels"][:, 1:]
        nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels, ignore_index=IGNORE, reduction="none")
        out += (-nll.sum(dim=1)).tolist()
    return out


def preference_metrics(logps: dict[str, tuple[list[float], list[float]]], beta: float) -> dict[str, dict[str, float]]:
    """Per HF variant: preference_accuracy (the variant finds the chosen answer more likely); for
    merged also DPO's implicit reward beta*(log pi - log pi_base) of each answer: reward_accuracy
    (chosen rewarded higher) and reward_margin (mean chosen - rejected reward)."""
    mean = lambda xs: sum(xs) / len(xs) if xs else None
    out = {v: {"preference_accuracy": mean([float(c > r) for c, r in zip(*logps[v])])} for v in logps}
    if "base" in logps and "merged" in logps:
        (bc, br), (mc, mr) = logps["base"], logps["merged"]
        diffs = [(m_c - b_c) - (m_r - b_r) for b_c, b_r, m_c, m_r in zip(bc, br, mc, mr)]
        out["merged"].update(reward_accuracy=mean([float(d > 0) for d in diffs]),
                             reward_margin=beta * mean(diffs) if diffs else None)
    return {v: {k: x for k, x in m.items() if x is not None} for v, m in out.items()}


# --- generation ----------------------------------------------------------------------------------


@torch.no_grad()
def hf_generate(model, tokenizer, prompt: str, max_new_tokens: int, eos_ids: list[int], pad_id: int, device) -> str:
    ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"].to(device)
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                         do_sample=False, eos_token_id=eos_ids, pad_token_id=pad_id, use_cache=True)
    new = out[0, ids.shape[1]:].tolist()
    cut = next((i for i, t in enumerate(new) if t in eos_ids), len(new))
    return tokenizer.decode(new[:cut], skip_special_tokens=True).replace("\x00", "")  # as llama-completion prints


END_OF_TEXT = " [end of text]\n"


def gguf_generate(gguf: Path, prompt: str, max_new_tokens: int, threads: int, seed: int, work: Path,
                  cancel: Cancellation) -> str:
    prompt_file = work / "prompt.txt"
    # llama.cpp's -f drops one trailing newline of the file: add one so the prompt arrives verbatim
    prompt_file.write_bytes((prompt + "\n").encode("utf-8"))
    out = llama_cpp.run([llama_cpp.tool("llama-completion"), "-m", gguf, "-f", prompt_file, "-n", str(max_new_tokens),
                         "--temp", "0", "--top-k", "1", "--repeat-penalty", "1.0", "-s", str(seed), "-no-cnv",
                         "--no-display-prompt", "--no-escape", "--simple-io", "--no-warmup", "-c", "0",
                         "-t", str(threads)], cancel, f"llama-completion {gguf.name}",
                        complete=lambda _, stderr: "common_perf_print:" in stderr)
    # stdout: the continuation, " [end of text]\n" when it stopped at an end-of-generation token, then "\n\n".
    # Pieces are printed as C strings, so a token that decodes to a NUL byte prints nothing: hf_generate
    # drops NULs too, so that both kinds of variants are compared on the same text.
    if out.endswith("\n\n"):
        out = out[:-2]
    if out.endswith(END_OF_TEXT):
        out = out[:-len(END_OF_TEXT)]
    return out


# --- run -----------------------------------------------------------------------------------------


def run(cfg: Config, cancel: Cancellation) -> int:
    try:
        return _evaluate(cfg, cancel)
    except Cancelled:
        emit("cancelled", step=0, checkpoint=None)
        log(f"evaluate cancelled by signal {cancel.signum}")
        return cancel.exit_code


def _evaluate(cfg: Config, cancel: Cancellation) -> int:
    from transformers import AutoConfig

    t_start = time.perf_counter()
    device, dtype = pick_device(cfg.device)
    if device.type == "cpu":
        configure_cpu_threads()
        if cfg.threads is not None:
            torch.set_num_threads(cfg.threads)
    threads = llama_cpp.threads(cfg.threads)
    base_dir = resolve_base_model(cfg.base_model)
    merged_dir = resolve_base_model(cfg.merged_dir)
    tokenizer, pad_id = load_tokenizer(merged_dir)  # the base's tokenizer files, copied by merge
    model_config = AutoConfig.from_pretrained(merged_dir)

    records = read_records(local_path(cfg.eval_file), cfg.format, field="eval_file")[:cfg.max_examples]
    max_positions = getattr(model_config, "max_position_embeddings", None) or CHUNK_CAP
    stream: list[int] = []
    for r in records:
        stream += encode(r, tokenizer, cfg.format, max_seq_len=10**9).input_ids
    # train's eval loss (trained tokens only), for the HF variants: records cut to the model's context
    answer_examples = [e for e in (encode(r, tokenizer, cfg.format, max_positions) for r in records) if e is not None]
    plan = loss_plan(stream, max_positions,
                     model_config.vocab_size, tokenizer.bos_token_id if adds_bos(tokenizer) else None)
    log(f"loss over {plan.tokens.shape[0]} chunk(s) of {plan.chunk} tokens: {plan.scored_tokens} scored tokens "
        f"(stream of {len(stream)} tokens from {len(records)} records)")

    pairs = pair_examples(records, tokenizer, max_positions) if cfg.format == "preference" else []
    pair_logps: dict[str, tuple[list[float], list[float]]] = {}
    tasks = []
    if cfg.format != "text":
        for r in records:
            messages, reference = task_of(r, cfg.format)
            tasks.append((render_prompt(tokenizer, messages), reference))
    eos_ids = sorted({i for i in [tokenizer.eos_token_id, *_as_list(model_config.eos_token_id)] if i is not None})
    gguf_prompt_strip = tokenizer.bos_token if adds_bos(tokenizer) and tokenizer.bos_token else None

    variants = [Variant("base", "hf", base_dir), Variant("merged", "hf", merged_dir)]
    variants += [Variant(f"gguf-{g['format'].lower()}", "gguf", local_path(g["path"])) for g in cfg.gguf_files]
    order = [variants[1], variants[0], *variants[2:]]  # merged first: it writes the reference logits file
    total = 1 + len(tasks)
    results: dict[str, dict] = {}
    outputs: dict[str, list[str]] = {}
    canary_ranks: list[int] = []
    out_dir = local_path(cfg.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="refinery-eval-") as tmp:
        work = Path(tmp)
        logits_file = work / "merged.logits"
        for v in order:
            seed_everything(cfg.seed)
            t0 = time.perf_counter()
            emit("progress", variant=v.name, done=0, total=total)
            preds: list[str] = []
            if v.kind == "hf":
                model = load_model(v.path, device, dtype)
                writes_reference = v.name == "merged" and bool(cfg.gguf_files)
                loss, _ = hf_loss(model, plan, device, cancel, logits_file if writes_reference else None)
                answer_loss = runtime_evaluate(model, answer_examples, 8, pad_id, device, cancel) if answer_examples else None
                cancel.check()  # runtime_evaluate returns None when cancelled
                scores = {"loss": loss, "perplexity": math.exp(loss), "answer_loss": answer_loss,
                          "kl_divergence": 0.0 if v.name == "merged" else None,
                          "top1_agreement": 1.0 if v.name == "merged" else None}
                if pairs:
                    pair_logps[v.name] = (answer_logps(model, [c for c, _ in pairs], pad_id, device, cancel),
                                          answer_logps(model, [r for _, r in pairs], pad_id, device, cancel))
                if v.name == "merged":
                    for canary in cfg.canaries:
                        cancel.check()
                        canary_ranks.append(canary_rank(model, tokenizer, canary, cfg.format, max_positions, pad_id, device))
                emit("progress", variant=v.name, done=1, total=total)
                model.config.use_cache = True
                for i, (prompt, _) in enumerate(tasks):
                    cancel.check()
                    preds.append(hf_generate(model, tokenizer, prompt, cfg.max_new_tokens, eos_ids, pad_id, device))
                    emit("progress", variant=v.name, done=2 + i, total=total)
                del model
                if device.type == "cuda":
                    torch.cuda.empty_cache()
            else:
                kl = gguf_loss(v.path, logits_file, plan, threads, cfg.seed, cancel)
                scores = {"loss": math.log(kl["perplexity"]), "perplexity": kl["perplexity"], "answer_loss": None,
                          "kl_divergence": kl["kl_divergence"], "top1_agreement": kl["top1_agreement"]}
                emit("progress", variant=v.name, done=1, total=total)
                for i, (prompt, _) in enumerate(tasks):
                    if gguf_prompt_strip and prompt.startswith(gguf_prompt_strip):
                        prompt = prompt[len(gguf_prompt_strip):]  # llama.cpp adds the BOS itself
                    preds.append(gguf_generate(v.path, prompt, cfg.max_new_tokens, threads, cfg.seed, work, cancel))
                    emit("progress", variant=v.name, done=2 + i, total=total)
            seconds = time.perf_counter() - t0
            task_metrics = metrics.score(cfg.metrics, [(p, ref) for p, (_, ref) in zip(preds, tasks)]) if tasks else {}
            task_metrics = {k: x for k, x in task_metrics.items() if x is not None}  # left out where no example applies
            results[v.name] = {"variant": v.name, **scores, "metrics": task_metrics, "seconds": round(seconds, 3),
                               "examples_per_second": round(len(records) / seconds, 3) if seconds > 0 else None}
            outputs[v.name] = preds
            log(f"{v.name}: loss {scores['loss']:.6f} perplexity {scores['perplexity']:.6f} {task_metrics}")

    for name, extra in (preference_metrics(pair_logps, cfg.beta) if pair_logps else {}).items():
        results[name]["metrics"].update(extra)
        log(f"{name}: {extra}")
    samples = [{"index": i, "prompt": prompt, "reference": ref, "outputs": {v.name: outputs[v.name][i] for v in variants}}
               for i, (prompt, ref) in enumerate(tasks[:SAMPLES])]
    generations_file = out_dir / "generations.jsonl"
    with open(generations_file, "w", encoding="utf-8") as f:
        for v in variants:
            for i, text in enumerate(outputs[v.name]):
                f.write(json.dumps({"variant": v.name, "index": i, "text": text}, ensure_ascii=False) + "\n")
    emit("done", examples=len(records), variants=[results[v.name] for v in variants], samples=samples,
         generations_file=str(generations_file), canary_ranks=canary_ranks,
         loss_tokens=plan.scored_tokens, loss_chunk=plan.chunk, seconds=round(time.perf_counter() - t_start, 3))
    return 0


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
