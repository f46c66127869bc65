"""The llama.cpp toolchain used by the GGUF stages: where it is, and its tools run as child
processes that a cancellation stops.

scripts/bootstrap builds it once from the llama.cpp source that node-llama-cpp ships (a git
bundle) into ~/.cache/refinery/llama.cpp-<hash>/ and writes that path to .data/toolchain.env as
REFINERY_LLAMA_CPP. The directory holds bin/ (llama-quantize, llama-perplexity, llama-completion,
llama-tokenize), the source tree's convert_hf_to_gguf.py, conversion/ and gguf-py/, and COMMIT.
The environment variable wins; without it the repo's .data/toolchain.env is read.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable

from .cancellation import Cancellation, Cancelled
from .errors import InvalidInput
from .progress import log

ENV = "REFINERY_LLAMA_CPP"
TOOLCHAIN_ENV = Path(__file__).resolve().parents[3] / ".data" / "toolchain.env"
KILL_GRACE_SECONDS = 5.0
# llama.cpp's tools print results through an asynchronous logger that upstream never drains at
# exit (ggml-org/llama.cpp#22142): a fast run could lose its last lines, under load about 1 run in
# 7. scripts/bootstrap builds the tools with scripts/llama.cpp-patches/flush-log-at-exit.patch,
# which drains it. Callers still say which last line proves the output whole (`complete`), so a
# toolchain built without the patch fails loudly instead of scoring a truncated output.


class ToolError(RuntimeError):
    """A llama.cpp tool failed; the message carries the tail of its stderr."""


def home() -> Path:
    value = os.environ.get(ENV)
    if not value and TOOLCHAIN_ENV.is_file():
        for line in TOOLCHAIN_ENV.read_text().splitlines():
            if line.startswith(ENV + "="):
                value = line.split("=", 1)[1].strip()
    if not value:
        raise RuntimeError(f"{ENV} is not set and {TOOLCHAIN_ENV} does not name it: run scripts/bootstrap "
                           "(it builds llama.cpp and writes the path to .data/toolchain.env)")
    path = Path(value)
    if not (path / ".complete").is_file():
        raise RuntimeError(f"{ENV}={path} is not a complete llama.cpp build (no .complete marker): run scripts/bootstrap")
    return path


def tool(name: str) -> Path:
    return home() / "bin" / name


def commit() -> str:
    return (home() / "COMMIT").read_text().strip()


def threads(setting: int | None) -> int:
    """CPU threads for a llama.cpp tool: the config's value, else OMP_NUM_THREADS, else half the
    cores (the same rule as training: oversubscribed threads spin on a shared host)."""
    if setting is not None:
        return setting
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, (os.cpu_count() or 2) // 2)


def python_env() -> dict[str, str]:
    """Environment for a Python child that must import the bundle's gguf-py (not the venv's gguf)."""
    root = home()
    path = os.pathsep.join([str(root / "gguf-py"), str(root)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    return {**os.environ, "PYTHONPATH": path}


def run(cmd: list[str], cancel: Cancellation, what: str, env: dict[str, str] | None = None,
        invalid_markers: tuple[str, ...] = (), complete: Callable[[str, str], bool] | None = None) -> str:
    """Runs a tool to completion and returns its stdout. On a stop request the child is sent
    SIGTERM (SIGKILL after a grace period) and Cancelled is raised. A non-zero exit raises
    ToolError, or InvalidInput when its stderr contains one of `invalid_markers` (the input
    cannot be handled; retrying won't help). Output for which `complete(stdout, stderr)` is
    false raises ToolError too (its end was lost: see flush-log-at-exit.patch)."""
    stdout, stderr = _run_once(cmd, cancel, what, env, invalid_markers)
    if complete is not None and not complete(stdout, stderr):
        raise ToolError(f"{what}: its output is incomplete (stdout ends {stdout[-300:]!r}). The llama.cpp build at "
                        f"{home()} may lack scripts/llama.cpp-patches/flush-log-at-exit.patch: run scripts/bootstrap")
    return stdout


def _run_once(cmd: list[str], cancel: Cancellation, what: str, env: dict[str, str] | None,
              invalid_markers: tuple[str, ...]) -> tuple[str, str]:
    cancel.check()
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out, \
            tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err:
        child = subprocess.Popen([str(c) for c in cmd], stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        while True:
            try:
                rc = child.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                if cancel.requested:
                    _stop(child)
                    raise Cancelled() from None
        if cancel.requested:  # e.g. a terminal's Ctrl-C reached the child too
            raise Cancelled()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if rc != 0:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        log(f"{what} failed (exit {rc}); stderr:\n{stderr[-20000:]}")
        message = f"{what} failed (exit {rc}): {tail}"
        if any(m in stderr for m in invalid_markers):
            raise InvalidInput(message)
        raise ToolError(message)
    return stdout, stderr


def _stop(child: subprocess.Popen) -> None:
    child.terminate()
    deadline = time.monotonic() + KILL_GRACE_SECONDS
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if child.poll() is None:
        child.kill()
        child.wait()
