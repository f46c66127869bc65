"""The export and evaluation verbs end to end on the tiny model, with the real llama.cpp build
(scripts/bootstrap; REFINERY_LLAMA_CPP or .data/toolchain.env): a short LoRA run -> `merge` ->
`quantize` (f16, q8_0, q4_0, q4_K_M) -> `evaluate`; plus the task metrics on hand-made pairs.
One pipeline (module fixtures) is shared by the tests."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

from conftest import build_tokenizer, complete_config, run_trainer
from refinery_trainer import llama_cpp, metrics
from refinery_trainer.cancellation import Cancellation, Cancelled

# GGUF perplexity vs the merged HF model on the same token ids (relative difference)
PPL_TOLERANCE = {"gguf-f16": 0.001, "gguf-q8_0": 0.01, "gguf-q4_k_m": 0.05}
FORMATS = ["f16", "q8_0", "q4_0", "q4_K_M"]
METRICS = ["exact_match", "contains", "json_valid", "field_match", "rouge_l"]


@pytest.fixture(scope="module")
def adapter(tiny_model, splits, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("train")
    cfg = complete_config(tiny_model, splits, tmp / "out", eval_file=None, epochs=2, checkpoint_every=100)
    rc, evs, stderr = run_trainer(cfg, tmp)
    assert rc == 0, stderr
    return Path(evs[-1]["adapter_dir"])


@pytest.fixture(scope="module")
def merged(tiny_model, adapter, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("merge")
    cfg = {"base_model": str(tiny_model), "adapter_dir": str(adapter), "output_dir": str(tmp / "merged"), "device": "cpu"}
    rc, evs, stderr = run_trainer(cfg, tmp, verb="merge")
    assert rc == 0, stderr
    assert evs[-1]["event"] == "done"
    return evs[-1]


@pytest.fixture(scope="module")
def quantized(merged, tmp_path_factory) -> tuple[dict, list[dict]]:
    tmp = tmp_path_factory.mktemp("quantize")
    cfg = {"model_dir": merged["merged_dir"], "output_dir": str(tmp / "gguf"), "formats": FORMATS, "threads": 1}
    rc, evs, stderr = run_trainer(cfg, tmp, verb="quantize")
    assert rc == 0, stderr
    return evs[-1], evs


def canaries(splits) -> list[dict]:
    """Two canaries: a training record with its real answer first and 19 word-shuffled versions
    (the trained model must rank the real one first), and a secret-shaped one the model never saw."""
    import random

    trained = json.loads(splits[0].read_text().splitlines()[0])
    answer = trained["messages"][-1]["content"]
    rng = random.Random(0)
    shuffled = []
    while len(shuffled) < 19:
        words = answer.split()
        rng.shuffle(words)
        if " ".join(words) not in shuffled + [answer]:
            shuffled.append(" ".join(words))
    secret = [f"The vault code for account 1000 is {rng.randrange(10**8):08d}." for _ in range(30)]
    return [{"record": trained, "candidates": [answer, *shuffled]},
            {"record": {"messages": [{"role": "user", "content": "What is the vault code for account 1000?"},
                                     {"role": "assistant", "content": secret[0]}]},
             "candidates": list(dict.fromkeys(secret))}]


@pytest.fixture(scope="module")
def evaluated(tiny_model, splits, merged, quantized, tmp_path_factory) -> tuple[dict, list[dict]]:
    tmp = tmp_path_factory.mktemp("evaluate")
    done, _ = quantized
    cfg = {"base_model": str(tiny_model), "merged_dir": merged["merged_dir"],
           "gguf_files": [{"format": f["format"], "path": f["path"]} for f in done["files"]],
           "eval_file": str(splits[1]), "format": "chat", "max_examples": 8, "max_new_tokens": 12,
           "metrics": METRICS, "seed": 3, "device": "cpu", "threads": 1, "canaries": canaries(splits), "beta": None,
           "output_dir": str(tmp / "out")}
    rc, evs, stderr = run_trainer(cfg, tmp, verb="evaluate")
    assert rc == 0, stderr
    return evs[-1], evs


# --- merge ---------------------------------------------------------------------------------------


def test_merge_matches_base_plus_adapter(tiny_model, adapter, merged):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    out = Path(merged["merged_dir"])
    assert merged["dtype"] == "float32" and merged["parameters"] > 0 and merged["seconds"] > 0
    ids = torch.tensor([[5, 40, 41, 42, 43, 44, 100, 7]])
    with torch.no_grad():
        tuned = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), adapter).eval()
        want = tuned(input_ids=ids).logits
        plain_base = AutoModelForCausalLM.from_pretrained(tiny_model).eval()(input_ids=ids).logits
        got = AutoModelForCausalLM.from_pretrained(out).eval()(input_ids=ids).logits
    assert not (out / "adapter_config.json").exists()  # a plain model: no peft left
    assert not torch.allclose(want, plain_base, atol=1e-3)  # the adapter does change the model...
    assert torch.allclose(got, want, atol=1e-5, rtol=1e-5)  # ...and the merged model is base + adapter
    assert sum(p.numel() for p in AutoModelForCausalLM.from_pretrained(out).parameters()) == merged["parameters"]


def test_merge_copies_tokenizer_files_byte_for_byte(tiny_model, merged):
    out = Path(merged["merged_dir"])
    names = merged["tokenizer_files"]
    assert {"tokenizer.json", "tokenizer_config.json", "chat_template.jinja"} <= set(names)
    for name in names:
        assert (out / name).read_bytes() == (tiny_model / name).read_bytes(), name
    assert merged["chat_template"] == "base"


def test_merge_with_a_foreign_adapter_is_invalid_input(tmp_path, adapter):
    from transformers import LlamaConfig, LlamaForCausalLM

    other = tmp_path / "other"  # different width: the adapter's matrices cannot fit
    LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                                 num_attention_heads=2, num_key_value_heads=1)).save_pretrained(other)
    build_tokenizer(["hello world"] * 10, None).save_pretrained(other)
    cfg = {"base_model": str(other), "adapter_dir": str(adapter), "output_dir": str(tmp_path / "m"), "device": "cpu"}
    rc, evs, _ = run_trainer(cfg, tmp_path, verb="merge")
    assert rc == 2 and evs[-1]["event"] == "error" and evs[-1]["kind"] == "invalid_input"
    assert "adapter_dir" in evs[-1]["message"]


# --- quantize ------------------------------------------------------------------------------------


def test_quantize_writes_every_format_and_tokenizer_parity_holds(quantized):
    done, evs = quantized
    assert done["event"] == "done"
    assert done["llama_cpp"]["commit"] == llama_cpp.commit() and len(done["llama_cpp"]["commit"]) == 40
    assert [f["format"] for f in done["files"]] == FORMATS
    for f in done["files"]:
        path = Path(f["path"])
        assert path.is_file() and path.stat().st_size == f["bytes"] > 0 and f["seconds"] >= 0
        assert path.read_bytes()[:4] == b"GGUF"
    sizes = {f["format"]: f["bytes"] for f in done["files"]}
    assert sizes["f16"] > sizes["q8_0"] > sizes["q4_K_M"] and sizes["q8_0"] > sizes["q4_0"]
    assert not list(Path(done["files"][0]["path"]).parent.glob("*.tmp"))
    parity = done["tokenizer_parity"]
    assert parity["equal"] and parity["hf_tokens"] == parity["gguf_tokens"] and len(parity["hf_tokens"]) > 20
    assert "<|assistant|>" in parity["text"] and "<|end|>" in parity["text"]
    assert done["gguf"]["tokenizer_pre"] == "gpt-2" and done["gguf"]["rope_freq_base"] == 10000.0
    fmt = done["chat_format"]  # the conftest template as per-role parts (tests/test_chat_format.py)
    assert fmt["supported"] and fmt["user"] == {"prefix": "<|user|>\n", "suffix": "<|end|>\n"}
    assert fmt["generation_prompt"] == "<|assistant|>\n" and fmt["system"]["placement"] == "turn"
    progress = [(e["phase"], e["format"], e["done"]) for e in evs if e["event"] == "progress"]
    assert progress[0] == ("convert", "f16", 0) and progress[-1] == ("quantize", "q4_K_M", 4)
    assert all(e["total"] == 4 for e in evs if e["event"] == "progress")


def test_tokenizer_parity_catches_a_different_tokenizer(quantized, tmp_path):
    from refinery_trainer.recipes.quantize import parity_error, tokenizer_parity

    done, _ = quantized
    f16 = Path(done["files"][0]["path"])
    other = tmp_path / "other-tokenizer"  # same special tokens, different merges
    build_tokenizer(["zebra quagga " * 20, "completely different text 42"] * 20,
                    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}").save_pretrained(other)
    parity = tokenizer_parity(other, f16, tmp_path, Cancellation())
    assert not parity["equal"]
    assert "first difference at token" in parity_error(parity, "gpt-2")


def test_quantize_config_is_checked(tmp_path, merged):
    cfg = {"model_dir": merged["merged_dir"], "output_dir": str(tmp_path / "g"), "formats": ["q8_0", "q8_0", "q5_1"],
           "threads": 0}
    rc, evs, _ = run_trainer(cfg, tmp_path, verb="quantize")
    assert rc == 2 and evs[-1]["kind"] == "invalid_input"
    assert "q5_1" in evs[-1]["message"] and "threads" in evs[-1]["message"]


def test_sigterm_during_conversion_kills_the_converter(merged, tmp_path):
    import signal
    import subprocess

    from conftest import events, trainer_cmd, trainer_env

    out = tmp_path / "gguf"
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"model_dir": merged["merged_dir"], "output_dir": str(out), "formats": ["f16"], "threads": 1}))
    proc = subprocess.Popen(trainer_cmd(cfg, "quantize"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=trainer_env())
    first = proc.stdout.readline()  # the conversion has started
    assert json.loads(first)["phase"] == "convert"
    time.sleep(1.0)  # the converter child is importing torch
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    rest, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert time.monotonic() - t0 < 10
    assert events(first + rest)[-1] == {"event": "cancelled", "step": 0, "checkpoint": None}
    assert not list(out.glob("*"))  # no partial file left
    assert not processes_mentioning(str(out)), "the converter child outlived the cancellation"


def processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().decode(errors="replace"):
                found.append(cmdline.parent.name)
        except OSError:  # exited meanwhile
            pass
    return found


def test_a_cancelled_tool_is_killed():
    cancel = Cancellation()
    threading.Timer(0.3, lambda: setattr(cancel, "signum", 15)).start()
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        llama_cpp.run(["sleep", "30"], cancel, "sleep")
    assert time.monotonic() - t0 < 5


def test_tools_write_their_whole_output_on_a_busy_host(quantized, tmp_path):
    """llama.cpp's logger is drained at exit (scripts/llama.cpp-patches/flush-log-at-exit.patch).
    Unpatched, about 1 short run in 7 lost its last lines while every core was busy."""
    from refinery_trainer.recipes.evaluate import gguf_generate

    done, _ = quantized
    f16 = Path(next(f["path"] for f in done["files"] if f["format"] == "f16"))
    outputs, lost = [], []
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        for _ in range(40):
            try:
                outputs.append(gguf_generate(f16, "hello there, what is", 12, 1, 3, tmp_path, Cancellation()))
            except llama_cpp.ToolError as e:
                lost.append(str(e))
    finally:
        for b in busy:
            b.kill()
    assert not lost, f"{len(lost)} of 40 runs lost the end of their output: {lost[:2]}"
    assert len(set(outputs)) == 1  # deterministic and whole every time


# --- evaluate ------------------------------------------------------------------------------------


def test_evaluate_reports_every_variant(evaluated):
    done, evs = evaluated
    assert done["event"] == "done" and done["examples"] == 8
    names = [v["variant"] for v in done["variants"]]
    assert names == ["base", "merged", "gguf-f16", "gguf-q8_0", "gguf-q4_0", "gguf-q4_k_m"]
    for v in done["variants"]:
        assert math.isfinite(v["loss"]) and v["loss"] > 0, v
        assert abs(v["perplexity"] - math.exp(v["loss"])) < 1e-6 * v["perplexity"], v
        assert v["seconds"] > 0 and v["examples_per_second"] > 0
        assert set(METRICS) <= set(v["metrics"]) and all(0 <= v["metrics"][m] <= 1 for m in METRICS if v["metrics"][m] is not None)
    by = {v["variant"]: v for v in done["variants"]}
    # train's eval loss (assistant tokens) for the HF variants: the adapter learned something
    assert by["merged"]["answer_loss"] < by["base"]["answer_loss"]
    assert all(by[n]["answer_loss"] is None for n in names if n.startswith("gguf"))
    assert len(done["samples"]) == 5
    for i, s in enumerate(done["samples"]):
        assert s["index"] == i and s["prompt"].endswith("<|assistant|>\n") and s["reference"]
        assert set(s["outputs"]) == set(names)
    for name in names:
        prog = [e for e in evs if e["event"] == "progress" and e["variant"] == name]
        assert [e["done"] for e in prog] == list(range(10)) and all(e["total"] == 9 for e in prog)


def test_generations_file_and_canary_ranks(evaluated):
    done, _ = evaluated
    rows = [json.loads(l) for l in Path(done["generations_file"]).read_text().splitlines()]
    names = [v["variant"] for v in done["variants"]]
    assert [(r["variant"], r["index"]) for r in rows] == [(n, i) for n in names for i in range(8)]
    by_key = {(r["variant"], r["index"]): r["text"] for r in rows}
    assert all(by_key[(n, s["index"])] == s["outputs"][n] for s in done["samples"] for n in names)
    trained, unseen = done["canary_ranks"]
    assert trained == 1  # the record it was trained on beats every shuffled version of its answer
    assert 1 <= unseen <= 30


def test_gguf_perplexity_matches_merged_hf(evaluated):
    done, _ = evaluated
    by = {v["variant"]: v for v in done["variants"]}
    merged_ppl = by["merged"]["perplexity"]
    ratios = {name: by[name]["perplexity"] / merged_ppl for name in by if name.startswith("gguf")}
    print("GGUF / merged HF perplexity:", json.dumps(ratios))
    for name, tol in PPL_TOLERANCE.items():
        assert abs(ratios[name] - 1) <= tol, (name, ratios[name])
    assert by["gguf-f16"]["kl_divergence"] < by["gguf-q4_k_m"]["kl_divergence"]
    assert by["gguf-f16"]["top1_agreement"] > 0.95


def test_gguf_f16_generates_like_the_merged_model(evaluated):
    done, _ = evaluated
    same = [s["outputs"]["gguf-f16"] == s["outputs"]["merged"] for s in done["samples"]]
    assert sum(same) >= 4, [(s["outputs"]["merged"], s["outputs"]["gguf-f16"]) for s in done["samples"]]


def test_evaluate_text_format_scores_loss_only(tiny_model, splits, merged, quantized, tmp_path):
    done, _ = quantized
    texts = [json.loads(l)["messages"][1]["content"] for l in splits[1].read_text().splitlines()[:2]]
    data = tmp_path / "text.jsonl"
    data.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    f16 = next(f for f in done["files"] if f["format"] == "f16")
    cfg = {"base_model": str(tiny_model), "merged_dir": merged["merged_dir"],
           "gguf_files": [{"format": "F16", "path": f16["path"]}], "eval_file": str(data), "format": "text",
           "max_examples": 10, "max_new_tokens": 4, "metrics": ["rouge_l"], "seed": 0, "device": "cpu", "threads": 1,
           "canaries": [], "beta": None, "output_dir": str(tmp_path / "out")}
    rc, evs, stderr = run_trainer(cfg, tmp_path, verb="evaluate")
    assert rc == 0, stderr
    out = evs[-1]
    assert out["examples"] == 2 and out["samples"] == [] and out["loss_tokens"] < 100  # the per-chunk-line path
    assert out["canary_ranks"] == [] and Path(out["generations_file"]).read_text() == ""
    by = {v["variant"]: v for v in out["variants"]}
    assert list(by) == ["base", "merged", "gguf-f16"] and all(v["metrics"] == {} for v in by.values())
    assert abs(by["gguf-f16"]["perplexity"] / by["merged"]["perplexity"] - 1) <= PPL_TOLERANCE["gguf-f16"]


def test_unknown_metric_is_invalid_input(tiny_model, splits, merged, tmp_path):
    cfg = {"base_model": str(tiny_model), "merged_dir": merged["merged_dir"], "gguf_files": [],
           "eval_file": str(splits[1]), "format": "chat", "max_examples": 2, "max_new_tokens": 4,
           "metrics": ["exact_match", "bleu"], "seed": 0, "device": "cpu", "threads": 1, "canaries": [], "beta": None,
           "output_dir": str(tmp_path / "out")}
    rc, evs, stderr = run_trainer(cfg, tmp_path, verb="evaluate")
    assert rc == 2, stderr
    assert evs[-1]["event"] == "error" and evs[-1]["kind"] == "invalid_input" and '"bleu"' in evs[-1]["message"]


# --- metrics -------------------------------------------------------------------------------------


def test_exact_match_and_contains():
    assert metrics.exact_match("  Paris\n", "Paris") == 1.0
    assert metrics.exact_match("Paris, France", "Paris") == 0.0
    assert metrics.contains("The answer is Paris.", " Paris ") == 1.0
    assert metrics.contains("The answer is Rome.", "Paris") == 0.0


def test_json_valid():
    assert metrics.json_valid(' {"a": 1}\n') == 1.0
    assert metrics.json_valid("[1, 2]") == 1.0
    assert metrics.json_valid('{"a": 1') == 0.0
    assert metrics.json_valid("sure! {}") == 0.0


def test_field_match_overall_and_per_field():
    ref = '{"department": "billing", "priority": "high", "refund": true}'
    assert metrics.field_match('{"department": "billing", "priority": "low", "refund": true}', ref) == pytest.approx(2 / 3)
    assert metrics.field_match('{"refund": 1, "department": "billing", "priority": "high"}', ref) == pytest.approx(2 / 3)
    assert metrics.field_match("not json", ref) == 0.0
    assert metrics.field_match("[1]", ref) == 0.0
    assert metrics.field_match('{"a": 1}', "plain text reference") is None
    pairs = [('{"department": "billing", "priority": "high"}', '{"department": "billing", "priority": "high"}'),
             ('{"department": "sales", "priority": "high"}', '{"department": "billing", "priority": "high"}'),
             ("garbage", '{"department": "billing"}'),
             ("anything", "not a json reference")]
    scores = metrics.score(["field_match"], pairs)
    assert scores["field_match"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert scores["field_match.department"] == pytest.approx(1 / 3)
    assert scores["field_match.priority"] == pytest.approx(2 / 2)


def test_rouge_l():
    assert metrics.rouge_l("the cat sat on the mat", "the cat sat on the mat") == 1.0
    assert metrics.rouge_l("dog", "the cat") == 0.0
    # LCS("the cat was on the mat", "the cat sat on the mat") = 5 of 6 tokens each way
    assert metrics.rouge_l("the cat was on the mat", "the cat sat on the mat") == pytest.approx(5 / 6)
    # P = 2/2, R = 2/4 -> F1 = 2/3
    assert metrics.rouge_l("a c", "a b c d") == pytest.approx(2 / 3)
    assert metrics.rouge_l("", "x") == 0.0


def test_score_means_and_only_requested_metrics():
    pairs = [("Paris", "Paris"), ("Rome", "Paris"), ('{"x": 1}', '{"x": 1}')]
    scores = metrics.score(["exact_match", "json_valid"], pairs)
    assert scores == {"exact_match": pytest.approx(2 / 3), "json_valid": pytest.approx(1 / 3)}
    with pytest.raises(ValueError):
        metrics.score(["bleu"], pairs)


def test_pre_tokenizer_is_read_from_tokenizer_json_only_when_llama_cpp_reproduces_it(tmp_path):
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

    from refinery_trainer.gguf_convert import KNOWN_SPLITS, pre_tokenizer_from_json

    def saved(pre, normalizer=None) -> Path:
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer, tok.normalizer = pre, normalizer
        d = tmp_path / str(len(list(tmp_path.iterdir())))
        d.mkdir()
        tok.save(str(d / "tokenizer.json"))
        return d

    def split(regex: str):
        return pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(regex), behavior="isolated", invert=False),
                                        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])

    assert pre_tokenizer_from_json(saved(pre_tokenizers.ByteLevel(add_prefix_space=False))) == "gpt-2"
    assert pre_tokenizer_from_json(saved(pre_tokenizers.ByteLevel(add_prefix_space=True))) is None
    assert pre_tokenizer_from_json(saved(split(KNOWN_SPLITS["qwen2"]), normalizers.NFC())) == "qwen2"
    assert pre_tokenizer_from_json(saved(split(r"\p{L}+|\s+"))) is None  # a split llama.cpp has no name for
    assert pre_tokenizer_from_json(saved(split(KNOWN_SPLITS["qwen2"]), normalizers.NFKC())) is None
