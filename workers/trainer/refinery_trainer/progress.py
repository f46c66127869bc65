"""The stdout protocol: one JSON object per line, nothing else on stdout.

`claim_stdout()` takes the real stdout for protocol lines and points file descriptor 1 (and
sys.stdout) at stderr, so a stray print() in any library, or C code writing to fd 1, can never
corrupt the stream the TypeScript worker parses.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from collections import deque
from typing import IO, Any

from . import tracing

_out: IO[str] | None = None


def claim_stdout() -> None:
    global _out
    if _out is not None:
        return
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _out = os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1)


def _clean(value: Any) -> Any:
    # JSON has no NaN/Infinity; a diverged loss is reported as null rather than breaking parsers.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit(event: str, **fields: Any) -> None:
    line = json.dumps({"event": event, **{k: _clean(v) for k, v in fields.items()}}, separators=(",", ":"))
    out = _out if _out is not None else sys.stdout
    out.write(line + "\n")
    out.flush()
    tracing.observe(event, fields)  # counts onto the verb's span, when tracing is on


def log(msg: str) -> None:
    print(f"[refinery-trainer] {msg}", file=sys.stderr, flush=True)


class Throughput:
    """Tokens/s of the last step and an ETA from the mean duration of recent steps."""

    def __init__(self, window: int = 20):
        self._durations: deque[float] = deque(maxlen=window)
        self._t = time.perf_counter()

    def restart(self) -> None:
        self._t = time.perf_counter()

    def step(self, tokens: int, steps_left: int) -> tuple[float, float]:
        now = time.perf_counter()
        dt = max(now - self._t, 1e-9)
        self._t = now
        self._durations.append(dt)
        eta = steps_left * (sum(self._durations) / len(self._durations))
        return tokens / dt, eta
