"""The model's chat template as per-role prefix/suffix strings, derived by rendering the HF (Jinja)
template with sentinel contents, then checked by re-rendering other conversations both ways.

Apps that cannot run Jinja (Ollama's Go templates) rebuild the prompt from these parts:

    bos + for each message: <role prefix> + content + <role suffix> + (generation prompt)

with the system message either a turn of its own (`placement` "turn") or folded into the first
user message, right after the user prefix (`placement` "first_user": a leading system message
followed by a user message, as Mistral's [INST] templates do). `default_system` is the system
text the template inserts when the conversation has none (null when it inserts nothing).

A template these parts cannot reproduce (content-dependent logic, roles that alternate
differently, a generation prompt that is not an addition) gives {"supported": False, "reason"}:
callers then say so instead of writing a template that would prompt the model wrongly.
"""
from __future__ import annotations

from typing import Callable

Render = Callable[[list[dict], bool], str]

SENTINELS = ("Qz7SYSTEMz7Q", "Qz7USERONEz7Q", "Qz7ASSISTANTONEz7Q", "Qz7USERTWOz7Q", "Qz7ASSISTANTTWOz7Q")

# Re-rendered with the derived parts and compared with the HF template, character for character:
# contents with spaces, newlines and punctuation; with and without a system message; 1 to 3 turns.
_SYS = "You are a support assistant.\nAnswer in JSON."
_U1, _A1 = "Where is order #4521?  It's late.", '{"department": "shipping"}'
_U2, _A2 = "Thanks!\nAnything else?", "No, that's all."
CHECKS: tuple[tuple[tuple[tuple[str, str], ...], bool], ...] = (
    ((("system", _SYS), ("user", _U1)), True),
    ((("user", _U1),), True),
    ((("system", _SYS), ("user", _U1), ("assistant", _A1), ("user", _U2)), True),
    ((("user", _U1), ("assistant", _A1), ("user", _U2), ("assistant", _A2)), False),
    ((("system", _SYS), ("user", _U1), ("assistant", _A1), ("user", _U2), ("assistant", _A2)), False),
)


def _msgs(pairs) -> list[dict]:
    return [{"role": r, "content": c} for r, c in pairs]


def render_parts(fmt: dict, messages: list[dict], add_generation_prompt: bool) -> str:
    """The prompt the parts build (what the Ollama template the CLI writes renders)."""
    msgs = list(messages)
    if fmt["default_system"] is not None and (not msgs or msgs[0]["role"] != "system"):
        msgs = [{"role": "system", "content": fmt["default_system"]}] + msgs
    sys_, user, asst = fmt["system"], fmt["user"], fmt["assistant"]
    out = fmt["bos"]
    for i, m in enumerate(msgs):
        if m["role"] == "system":
            if sys_["placement"] == "turn":
                out += sys_["prefix"] + m["content"] + sys_["suffix"]
        elif m["role"] == "user":
            out += user["prefix"]
            if sys_["placement"] == "first_user" and i == 1 and msgs[0]["role"] == "system":
                out += sys_["prefix"] + msgs[0]["content"] + sys_["suffix"]
            out += m["content"] + user["suffix"]
        else:
            out += asst["prefix"] + m["content"] + asst["suffix"]
    if add_generation_prompt:
        out += fmt["generation_prompt"]
    return out


class _Unsupported(Exception):
    pass


def _split(text: str, sentinels: tuple[str, ...]) -> list[str]:
    """The text around each sentinel, in order: len(sentinels) + 1 segments."""
    segments, rest = [], text
    for s in sentinels:
        if text.count(s) != 1:
            raise _Unsupported(f"the template does not render each message's content exactly once (content {s!r} appears {text.count(s)} times)")
        before, rest = rest.split(s, 1) if s in rest else (None, rest)
        if before is None:
            raise _Unsupported("the template does not render the messages in order")
        segments.append(before)
    return segments + [rest]


def _cut_prefix(text: str, prefix: str, what: str) -> str:
    if not text.startswith(prefix):
        raise _Unsupported(f"{what}: expected {text!r} to start with {prefix!r}")
    return text[len(prefix):]


def derive_chat_format(render: Render, bos_token: str | None, eos_token: str | None, add_bos_token: bool) -> dict:
    """Per-role prefix/suffix strings that reproduce `render` (the HF template), or a reason why not.

    `add_bos_token`: whether llama.cpp adds the BOS token itself when tokenizing a prompt (the
    GGUF's tokenizer.ggml.add_bos_token); recorded so a writer can leave the template's own BOS
    out rather than doubling it."""
    try:
        return _derive(render, bos_token, eos_token, add_bos_token)
    except _Unsupported as e:
        return {"supported": False, "reason": str(e)}
    except Exception as e:  # a template that raises on a plain conversation (e.g. "system role not supported")
        return {"supported": False, "reason": f"the template fails on a plain conversation: {type(e).__name__}: {e}"}


def _derive(render: Render, bos_token: str | None, eos_token: str | None, add_bos_token: bool) -> dict:
    S, U1, A1, U2, A2 = SENTINELS
    full = render(_msgs([("system", S), ("user", U1), ("assistant", A1), ("user", U2), ("assistant", A2)]), False)
    bos = bos_token if bos_token and full.startswith(bos_token) else ""
    unbos = lambda text: _cut_prefix(text, bos, "the template's BOS")  # noqa: E731
    seg = _split(unbos(full), SENTINELS)
    asst_suffix = seg[5]
    user_prefix = _cut_prefix(seg[3], asst_suffix, "between an assistant and the next user message")

    without = unbos(render(_msgs([("system", S), ("user", U1)]), False))
    with_gen = unbos(render(_msgs([("system", S), ("user", U1)]), True))
    generation_prompt = _cut_prefix(with_gen, without, "the generation prompt is not an addition at the end")
    user_suffix = _split(without, (S, U1))[2]
    asst_prefix = _cut_prefix(seg[2], user_suffix, "between a user and the next assistant message")
    if seg[4] != seg[2]:
        raise _Unsupported(f"the second user/assistant turn is joined differently from the first ({seg[4]!r} vs {seg[2]!r})")

    candidates = []
    if seg[1].endswith(user_prefix):
        candidates.append({"placement": "turn", "prefix": seg[0], "suffix": seg[1][:len(seg[1]) - len(user_prefix)]})
    if seg[0].startswith(user_prefix):
        candidates.append({"placement": "first_user", "prefix": seg[0][len(user_prefix):], "suffix": seg[1]})
    if not candidates:
        raise _Unsupported(f"the system message is neither a turn of its own nor inside the first user message ({seg[0]!r} ... {seg[1]!r})")

    failures = []
    for system in candidates:
        fmt = {"supported": True, "bos": bos, "add_bos_token": bool(add_bos_token), "system": system,
               "user": {"prefix": user_prefix, "suffix": user_suffix},
               "assistant": {"prefix": asst_prefix, "suffix": asst_suffix},
               "generation_prompt": generation_prompt, "default_system": None,
               "eos_token": eos_token or None}
        try:
            fmt["default_system"] = _default_system(render, fmt, unbos)
            _check(render, fmt)
            return fmt
        except _Unsupported as e:
            failures.append(f"system as {system['placement']}: {e}")
    raise _Unsupported("; ".join(failures))


def _default_system(render: Render, fmt: dict, unbos) -> str | None:
    """The system text the template inserts when a conversation has none."""
    U1, A1 = SENTINELS[1], SENTINELS[2]
    msgs = _msgs([("user", U1), ("assistant", A1)])
    actual = render(msgs, False)
    if actual == render_parts(fmt, msgs, False):
        return None
    sys_, user = fmt["system"], fmt["user"]
    body = unbos(actual)
    if sys_["placement"] == "turn":
        lead, tail = sys_["prefix"], sys_["suffix"] + user["prefix"] + U1
    else:
        lead, tail = user["prefix"] + sys_["prefix"], sys_["suffix"] + U1
    if not body.startswith(lead) or tail not in body:
        raise _Unsupported(f"without a system message the template renders {actual!r}, which the parts cannot build")
    return body[len(lead):body.index(tail)]


def _check(render: Render, fmt: dict) -> None:
    for pairs, gen in CHECKS:
        msgs = _msgs(pairs)
        want, got = render(msgs, gen), render_parts(fmt, msgs, gen)
        if want != got:
            at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
            roles = "+".join(r for r, _ in pairs)
            raise _Unsupported(f"{roles}{' + generation prompt' if gen else ''}: the template renders {want[at:at + 40]!r} "
                               f"where the parts give {got[at:at + 40]!r} (character {at})")


def hf_chat_format(tokenizer, add_bos_token: bool) -> dict:
    """`derive_chat_format` for a transformers tokenizer with a chat template."""
    if not getattr(tokenizer, "chat_template", None):
        return {"supported": False, "reason": "the tokenizer has no chat template"}

    def render(messages: list[dict], add_generation_prompt: bool) -> str:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)

    return derive_chat_format(render, tokenizer.bos_token, tokenizer.eos_token, add_bos_token)
