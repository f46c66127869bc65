"""Refinery trainer: LoRA fine-tuning of small causal LMs, driven by a JSON config and
speaking JSON lines on stdout (see ../PROTOCOL.md)."""

__version__ = "0.1.0"
