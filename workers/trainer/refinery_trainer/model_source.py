"""Where the base model comes from: a local directory (the GPU worker stages s3:// and file://
URIs there) or `hf://org/name[@revision]`, fetched with huggingface_hub when the host has network
(HF_TOKEN and HF_HOME are honoured by the hub client)."""
from __future__ import annotations

from pathlib import Path

from .config import local_path
from .errors import InvalidInput

# Enough to load a model and its tokenizer; skips other frameworks' weights (.bin, .h5, .gguf, ...).
HF_PATTERNS = ["*.json", "*.safetensors", "*.jinja", "tokenizer*", "*.model", "*.tiktoken", "merges.txt", "vocab.txt"]


class ModelSourceError(InvalidInput):
    pass


def resolve_base_model(uri: str) -> Path:
    if uri.startswith("hf://"):
        repo_id, _, revision = uri[len("hf://"):].partition("@")
        if repo_id.count("/") != 1:
            raise ModelSourceError(f"base_model: {uri} must look like hf://org/name or hf://org/name@revision")
        from huggingface_hub import snapshot_download  # imported lazily: only this path needs it

        path = Path(snapshot_download(repo_id=repo_id, revision=revision or None, allow_patterns=HF_PATTERNS))
    else:
        path = local_path(uri)
    missing = []
    if not (path / "config.json").is_file():
        missing.append("config.json")
    if not any(path.glob("*.safetensors")):
        missing.append("*.safetensors weights")
    if not any((path / f).is_file() for f in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json")):
        missing.append("a tokenizer (tokenizer.json or tokenizer.model)")
    if missing:
        raise ModelSourceError(f"base_model: {path} is not a Hugging Face model directory; missing {', '.join(missing)}")
    return path
