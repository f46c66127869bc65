"""Config validation, dataset validation and loss masking (in-process, fast)."""
from __future__ import annotations

import json
from dataclasses import MISSING, fields

import pytest

from conftest import CHAT_TEMPLATE, DATASET, MALFORMED, build_tokenizer, complete_config, read_lines, run_trainer
from refinery_trainer.config import ConfigError
from refinery_trainer.recipes.lora_sft import Config, LoraSettings, parse_config
from refinery_trainer.data import IGNORE, DataError, encode, read_records


@pytest.fixture(scope="module")
def tokenizer():
    texts = [m["content"] for l in read_lines(DATASET, 100) for m in json.loads(l)["messages"]]
    return build_tokenizer(texts, CHAT_TEMPLATE)


def problems_of(raw) -> list[str]:
    with pytest.raises(ConfigError) as e:
        parse_config(raw)
    return e.value.problems


def test_config_errors_name_field_and_reason(tiny_model, splits, tmp_path):
    good = complete_config(tiny_model, splits, tmp_path / "o")
    assert parse_config(good).lora.r == 8
    assert problems_of({k: v for k, v in good.items() if k != "train_file"}) == ["train_file: required"]
    assert problems_of({**good, "batchsize": 4})[0].startswith("batchsize: unknown field")
    assert problems_of({**good, "epochs": "3"}) == ['epochs: must be an integer, got "3"']
    assert problems_of({**good, "epochs": True}) == ["epochs: must be an integer, got true"]
    assert problems_of({**good, "checkpoint_every": None}) == ["checkpoint_every: must be an integer, got null"]
    assert problems_of({**good, "max_grad_norm": "1"}) == ['max_grad_norm: must be a number or null, got "1"']
    assert problems_of({**good, "packing": 1}) == ["packing: must be a boolean, got 1"]  # never 0/1 for a flag
    assert problems_of({**good, "quantize_base": "int8"}) == ['quantize_base: must be null or one of nf4, got "int8"']
    assert problems_of({**good, "lora": {**good["lora"], "rank": 4}})[0].startswith("lora.rank: unknown field")
    p = problems_of({**good, "lora": {**good["lora"], "r": 0, "target_modules": "everything"}, "lr_scheduler": "step",
                     "format": "csv", "train_file": str(tmp_path / "missing.jsonl")})
    assert "lora.r: must be >= 1, got 0" in p
    assert any(s.startswith("lora.target_modules: must be \"all-linear\" or a list") for s in p)
    assert "lr_scheduler: must be one of linear, cosine, constant, got \"step\"" in p
    assert any(s.startswith("format: must be one of chat") for s in p)
    assert any(s.startswith("train_file:") and "does not exist" in s for s in p)


def field_paths(cfg: dict) -> list[str]:
    return [f"{k}.{sub}" for k, v in cfg.items() if isinstance(v, dict) for sub in v] + \
        [k for k, v in cfg.items() if not isinstance(v, dict)]


def without(cfg: dict, path: str) -> dict:
    key, _, sub = path.partition(".")
    if sub:
        return {**cfg, key: {k: v for k, v in cfg[key].items() if k != sub}}
    return {k: v for k, v in cfg.items() if k != key}


def test_every_field_is_required_and_nullable_ones_accept_null(tiny_model, splits, tmp_path):
    good = complete_config(tiny_model, splits, tmp_path / "o")
    for path in field_paths(good):  # nullable fields too: the worker sends null, never omits
        assert problems_of(without(good, path)) == [f"{path}: required"], path
    nulls = {"eval_file": None, "resume_from": None, "max_steps": None, "eval_every": None, "max_grad_norm": None}
    cfg = parse_config({**good, **nulls})
    assert (cfg.eval_file, cfg.max_steps, cfg.eval_every, cfg.max_grad_norm) == (None, None, None, None)


def test_config_dataclasses_hold_no_defaults():
    # defaults live in the TypeScript schema only; a Python default would silently diverge from it
    for cls in (Config, LoraSettings):
        assert all(f.default is MISSING and f.default_factory is MISSING for f in fields(cls)), cls


def test_missing_fields_via_cli_exit_2_and_name_every_field(tiny_model, splits, tmp_path):
    cfg = without(without(complete_config(tiny_model, splits, tmp_path / "o"), "checkpoint_every"), "lora.alpha")
    rc, evs, _ = run_trainer(without(cfg, "eval_file"), tmp_path)
    assert rc == 2 and len(evs) == 1 and evs[0]["event"] == "error" and evs[0]["kind"] == "invalid_input"
    for field in ("eval_file: required", "lora.alpha: required", "checkpoint_every: required"):
        assert field in evs[0]["message"]


def test_bad_config_via_cli_is_one_error_line_and_exit_2(tiny_model, splits, tmp_path):
    lora = {"r": 8, "alpha": 16, "dropout": 1.5, "target_modules": "all-linear"}
    cfg = complete_config(tiny_model, splits, tmp_path / "o", learning_rate=-1, lora=lora)
    rc, evs, _ = run_trainer(cfg, tmp_path)
    assert rc == 2 and len(evs) == 1 and evs[0]["event"] == "error" and evs[0]["kind"] == "invalid_input"
    assert "learning_rate: must be in (0, 1), got -1.0" in evs[0]["message"]
    assert "lora.dropout: must be in [0, 1), got 1.5" in evs[0]["message"]


def test_malformed_dataset_reports_every_bad_line():
    with pytest.raises(DataError) as e:
        read_records(MALFORMED, "chat")
    msg = str(e.value)
    assert "3 invalid record(s)" in msg
    assert "line 3: invalid JSON" in msg
    assert 'line 7: missing "messages"' in msg
    assert 'line 9: messages[2].role is "robot"' in msg


def test_loss_mask_keeps_only_assistant_tokens(tokenizer):
    rec = json.loads(read_lines(DATASET, 1)[0])
    ex = encode(rec, tokenizer, "chat", 512)
    trained = [t for t in ex.labels if t != IGNORE]
    assistant = rec["messages"][2]["content"]
    assert tokenizer.decode(trained) == assistant + "<|end|>"  # content + end-of-turn, nothing else
    # one contiguous trained span whose labels equal the ids; everything around it is masked
    first = ex.labels.index(trained[0])
    end = first + len(trained)
    assert ex.labels[first:end] == ex.input_ids[first:end]
    assert all(l == IGNORE for l in ex.labels[:first] + ex.labels[end:])
    assert tokenizer.decode(ex.input_ids[:first]).endswith("<|assistant|>\n")
    assert tokenizer.decode(ex.input_ids[end:]) == "\n"  # template whitespace after <|end|> is not trained


def test_loss_mask_multi_turn_and_prompt_completion(tokenizer):
    msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello there"},
            {"role": "user", "content": "route this"}, {"role": "assistant", "content": "billing"}]
    ex = encode({"messages": msgs}, tokenizer, "chat", 512)
    assert tokenizer.decode([t for t in ex.labels if t != IGNORE]) == "hello there<|end|>billing<|end|>"
    pc = encode({"prompt": "route this", "completion": "billing"}, tokenizer, "prompt_completion", 512)
    assert tokenizer.decode([t for t in pc.labels if t != IGNORE]) == "billing<|end|>"
    text = encode({"text": "plain text"}, tokenizer, "text", 512)
    assert text.labels == text.input_ids and text.input_ids[-1] == tokenizer.eos_token_id


def test_default_template_when_tokenizer_has_none(tokenizer):
    from refinery_trainer.data import DEFAULT_CHAT_TEMPLATE, ensure_chat_template

    texts = [m["content"] for l in read_lines(DATASET, 50) for m in json.loads(l)["messages"]]
    bare = build_tokenizer(texts, None)
    ensure_chat_template(bare)
    assert bare.chat_template == DEFAULT_CHAT_TEMPLATE
    ex = encode({"prompt": "hi", "completion": "billing"}, bare, "prompt_completion", 512)
    assert bare.decode(ex.input_ids) == "<|user|>\nhi<|end|>\n<|assistant|>\nbilling<|end|>\n"
    assert bare.decode([t for t in ex.labels if t != IGNORE]) == "billing<|end|>"


def test_truncation_drops_records_without_trained_tokens(tokenizer):
    rec = json.loads(read_lines(DATASET, 1)[0])
    assert encode(rec, tokenizer, "chat", 16) is None  # the assistant turn starts after 16 tokens


def test_base_model_source_errors(tmp_path):
    from refinery_trainer.model_source import ModelSourceError, resolve_base_model

    with pytest.raises(ModelSourceError, match="hf://org/name"):
        resolve_base_model("hf://just-a-name")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelSourceError, match=r"missing \*\.safetensors weights, a tokenizer"):
        resolve_base_model(f"file://{tmp_path}")


def test_base_model_local_dir_resolves(tiny_model):
    from refinery_trainer.model_source import resolve_base_model

    assert resolve_base_model(f"file://{tiny_model}") == tiny_model
