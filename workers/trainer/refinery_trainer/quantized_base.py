"""QLoRA: the frozen base model loaded in 4-bit NF4 through bitsandbytes, the LoRA adapter on top in
full precision (peft's `prepare_model_for_kbit_training` keeps norms and embeddings in fp32).

`support_problem(device)` is checked before any data or model is loaded: it quantizes and
dequantizes a small tensor on the device with bitsandbytes' own NF4 kernels, so a host whose
bitsandbytes build has no 4-bit backend for that device is refused with a clear message rather
than failing mid-load. Merging after QLoRA folds the adapter into a full-precision load of the
base (the merge verb never loads a quantized base): the adapter was trained against the NF4
weights, so the merged model differs from what was trained by the base's quantization error.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

QUANT_TYPES = ("nf4",)


def support_problem(device: torch.device) -> str | None:
    """Why NF4 cannot run on this device with the installed bitsandbytes, or None."""
    if importlib.util.find_spec("bitsandbytes") is None:
        return ("quantize_base: nf4 needs the bitsandbytes package, which is not installed in the trainer's "
                "environment (workers/trainer/requirements.txt pins it); rebuild the venv or drop quantizeBase")
    try:
        import bitsandbytes.functional as bnbf

        probe = torch.linspace(-1, 1, 64 * 64, device=device, dtype=torch.float32).reshape(64, 64)
        packed, state = bnbf.quantize_4bit(probe, quant_type="nf4")
        back = bnbf.dequantize_4bit(packed, state, quant_type="nf4")
        if back.shape != probe.shape or not torch.isfinite(back).all() or (back - probe).abs().max() > 0.2:
            return f"quantize_base: bitsandbytes' nf4 round trip on {device} gave wrong values; train without quantizeBase"
    except Exception as e:  # noqa: BLE001 - any failure of the probe means this host cannot run it
        import bitsandbytes

        return (f"quantize_base: bitsandbytes {bitsandbytes.__version__} cannot run 4-bit (nf4) on {device.type} "
                f"on this host ({type(e).__name__}: {str(e)[:200]}); train without quantizeBase, or on a GPU "
                "pool whose hosts support it")
    return None


def load_nf4_model(model_dir: Path, device: torch.device, compute_dtype: torch.dtype, gradient_checkpointing: bool):
    """The base with every linear layer but the output head in NF4 (bitsandbytes Linear4bit), ready
    for a LoRA adapter."""
    from peft import prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute_dtype,
                               bnb_4bit_use_double_quant=False)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=compute_dtype, quantization_config=quant,
                                                 device_map={"": str(device)})
    model.config.use_cache = False
    if device.type == "cpu":
        _check_cpu_shapes(model)
    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing,
                                           gradient_checkpointing_kwargs={"use_reentrant": False})


def _check_cpu_shapes(model) -> None:
    """bitsandbytes' CPU 4-bit matmul repacks each weight in blocks along its input dimension, so
    every quantized layer's in_features must be a multiple of the quantization block size (64);
    otherwise the first forward pass fails deep inside bitsandbytes. Say so before training."""
    import bitsandbytes as bnb

    from .config import ConfigError

    bad = sorted({(m.in_features, m.weight.quant_state.blocksize) for m in model.modules()
                  if isinstance(m, bnb.nn.Linear4bit) and m.in_features % m.weight.quant_state.blocksize})
    if bad:
        widths = ", ".join(f"{w} (block {b})" for w, b in bad)
        raise ConfigError([f"quantize_base: on CPU, bitsandbytes' 4-bit layers need input widths that are multiples of "
                           f"the block size; this base has {widths}; train without quantizeBase or on a GPU"])


def count_4bit_linears(model) -> int:
    import bitsandbytes as bnb

    return sum(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())
