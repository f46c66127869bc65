"""QLoRA (`quantize_base: nf4`): bitsandbytes 0.50.2 runs 4-bit NF4 on CPU, so the tiny model
trains with a 4-bit base here; the base's linear layers are really bitsandbytes Linear4bit with
packed 4-bit weights, and the loss falls."""
from __future__ import annotations

import json
from pathlib import Path

import torch

import pytest

from conftest import complete_config, run_trainer
from refinery_trainer.config import ConfigError
from refinery_trainer.quantized_base import count_4bit_linears, load_nf4_model, support_problem


@pytest.fixture(scope="module")
def model64(tiny_model, tmp_path_factory) -> Path:
    """The tiny model's tokenizer on a 64-wide, 2-layer Llama: bitsandbytes' CPU 4-bit layers need
    input widths that are multiples of its 64-value blocks (the 32-wide test model is refused)."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    out = tmp_path_factory.mktemp("tiny-64")
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    tokenizer.save_pretrained(out)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512,
                         tie_word_embeddings=True, initializer_range=0.2, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, bos_token_id=None)
    LlamaForCausalLM(config).save_pretrained(out)
    return out


def test_this_host_runs_nf4_on_cpu():
    assert support_problem(torch.device("cpu")) is None


def test_base_loads_with_4bit_linear_layers(model64):
    model = load_nf4_model(model64, torch.device("cpu"), torch.float32, gradient_checkpointing=False)
    # 2 layers x (q, k, v, o, gate, up, down); the tied output head stays full precision
    assert count_4bit_linears(model) == 14
    q = model.model.layers[0].self_attn.q_proj
    assert q.weight.dtype == torch.uint8 and q.weight.numel() * 2 == 64 * 64  # two 4-bit values per byte
    assert q.weight.quant_state.quant_type == "nf4"


def test_widths_bitsandbytes_cannot_run_on_cpu_are_refused_before_training(tiny_model, splits, tmp_path):
    with pytest.raises(ConfigError, match="multiples of the block size"):
        load_nf4_model(tiny_model, torch.device("cpu"), torch.float32, gradient_checkpointing=False)  # 32 wide
    rc, evs, _ = run_trainer(complete_config(tiny_model, splits, tmp_path / "out", quantize_base="nf4"), tmp_path)
    assert rc == 2 and evs[-1]["event"] == "error" and evs[-1]["kind"] == "invalid_input"
    assert "quantize_base" in evs[-1]["message"] and not any(e["event"] == "step" for e in evs)


def test_qlora_trains_the_tiny_model_on_cpu(model64, splits, tmp_path):
    cfg = complete_config(model64, splits, tmp_path / "out", quantize_base="nf4", epochs=4, learning_rate=0.03)
    rc, evs, stderr = run_trainer(cfg, tmp_path)
    assert rc == 0, stderr
    start, done = evs[0], evs[-1]
    assert start["quantize_base"] == "nf4" and done["event"] == "done"
    losses = [e["loss"] for e in evs if e["event"] == "step"]
    assert len(losses) == 16 and sum(losses[-4:]) / 4 < 0.8 * sum(losses[:4]) / 4, losses
    assert done["eval_loss"] < done["base_eval_loss"]
    metrics = json.loads(Path(done["metrics_path"]).read_text())
    assert metrics["quantize_base"] == "nf4"
    assert (Path(done["adapter_dir"]) / "adapter_model.safetensors").is_file()
