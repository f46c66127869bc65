"""The chat template as per-role parts (refinery_trainer/chat_format.py) for the three families the
tiny models use (examples/build_tiny_model.py: Llama-style markers, ChatML as Qwen2's, Mistral's
[INST] with BOS and the system message folded into the first user turn), a default system
prompt, and templates the parts cannot express (refused with a reason)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from refinery_trainer.chat_format import derive_chat_format, hf_chat_format, render_parts

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "examples"))
import build_tiny_model as tiny  # noqa: E402

TEXTS = [m["content"] for line in (REPO / "examples" / "datasets" / "support-tickets.jsonl").read_text(encoding="utf-8").splitlines()[:150]
         if line.strip() for m in json.loads(line)["messages"]]

# Not one of the conversations the derivation checks itself against.
THREE_TURNS = [
    {"role": "system", "content": "Route tickets.\n\nReply with one word."},
    {"role": "user", "content": "My card was charged twice  (order 77)."},
    {"role": "assistant", "content": "billing"},
    {"role": "user", "content": "The app crashes on start."},
    {"role": "assistant", "content": "technical"},
    {"role": "user", "content": "Où est mon colis ? 🙂"},
]


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory) -> dict:
    out = {}
    for arch in ("llama", "qwen2", "mistral"):
        d = tmp_path_factory.mktemp(arch)
        out[arch] = getattr(tiny, f"{arch}_tokenizer")(TEXTS, d)
    return out


EXPECTED = {
    "llama": {"bos": "", "add_bos_token": False, "system": {"placement": "turn", "prefix": "<|system|>\n", "suffix": "<|end|>\n"},
              "user": {"prefix": "<|user|>\n", "suffix": "<|end|>\n"}, "assistant": {"prefix": "<|assistant|>\n", "suffix": "<|end|>\n"},
              "generation_prompt": "<|assistant|>\n", "default_system": None, "eos_token": "<|end|>"},
    "qwen2": {"bos": "", "add_bos_token": False, "system": {"placement": "turn", "prefix": "<|im_start|>system\n", "suffix": "<|im_end|>\n"},
              "user": {"prefix": "<|im_start|>user\n", "suffix": "<|im_end|>\n"},
              "assistant": {"prefix": "<|im_start|>assistant\n", "suffix": "<|im_end|>\n"},
              "generation_prompt": "<|im_start|>assistant\n", "default_system": None, "eos_token": "<|im_end|>"},
    "mistral": {"bos": "<s>", "add_bos_token": True, "system": {"placement": "first_user", "prefix": "", "suffix": "\n\n"},
                "user": {"prefix": "[INST] ", "suffix": " [/INST]"}, "assistant": {"prefix": "", "suffix": "</s>"},
                "generation_prompt": "", "default_system": None, "eos_token": "</s>"},
}


@pytest.mark.parametrize("arch", ["llama", "qwen2", "mistral"])
def test_parts_of_each_family_and_they_rebuild_a_three_turn_conversation(tokenizers, arch):
    tok = tokenizers[arch]
    fmt = hf_chat_format(tok, add_bos_token=arch == "mistral")
    assert fmt == {"supported": True, **EXPECTED[arch]}
    for gen in (True, False):
        want = tok.apply_chat_template(THREE_TURNS, tokenize=False, add_generation_prompt=gen)
        assert render_parts(fmt, THREE_TURNS, gen) == want
    no_system = THREE_TURNS[1:5]
    assert render_parts(fmt, no_system, False) == tok.apply_chat_template(no_system, tokenize=False)
    if arch == "mistral":  # the system text sits inside the first [INST], after the BOS
        assert tok.apply_chat_template(THREE_TURNS, tokenize=False).startswith("<s>[INST] Route tickets.\n\nReply with one word.\n\nMy card")


def jinja(template: str, bos: str | None = None, eos: str | None = None):
    import jinja2

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    t = env.from_string(template)
    return lambda messages, gen: t.render(messages=messages, add_generation_prompt=gen, bos_token=bos or "", eos_token=eos or "")


def test_a_default_system_prompt_is_found():
    # Qwen2.5's shape: a system turn with a fixed text when the conversation has none
    render = jinja(
        "{% if messages[0]['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    fmt = derive_chat_format(render, None, "<|im_end|>", False)
    assert fmt["supported"] and fmt["default_system"] == "You are a helpful assistant."
    assert render_parts(fmt, THREE_TURNS[1:], True) == render(THREE_TURNS[1:], True)


@pytest.mark.parametrize("template,reason", [
    # the system message goes into the last user turn (Mistral's own convention): it is missing
    # from a conversation that ends with the assistant, so no fixed parts can place it
    ("{% for m in messages %}{% if m['role'] == 'user' %}[INST] {% if loop.last and messages[0]['role'] == 'system' %}"
     "{{ messages[0]['content'] }}\n\n{% endif %}{{ m['content'] }} [/INST]{% elif m['role'] == 'assistant' %}{{ m['content'] }}</s>{% endif %}{% endfor %}",
     "appears 0 times"),
    # content-dependent: long messages are marked differently
    ("{% for m in messages %}<|{{ m['role'] }}|>{% if m['content'] | length > 30 %}(long){% endif %}{{ m['content'] }}<|end|>{% endfor %}"
     "{% if add_generation_prompt %}<|assistant|>{% endif %}",
     "(long)"),
    # a template that refuses system messages
    ("{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
     "<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}",
     "System role not supported"),
])
def test_templates_the_parts_cannot_express_are_refused_with_a_reason(template, reason):
    import jinja2

    def raise_exception(msg):
        raise jinja2.TemplateError(msg)

    env = jinja2.Environment()
    env.globals["raise_exception"] = raise_exception
    t = env.from_string(template)
    fmt = derive_chat_format(lambda m, g: t.render(messages=m, add_generation_prompt=g), None, None, False)
    assert fmt["supported"] is False and reason in fmt["reason"], fmt
