"""SIGTERM/SIGINT only set a flag; the training loop checks it between micro-batches, saves a
checkpoint at the last completed optimizer step and exits with 128 + signal number. The export
and evaluation recipes call `check()` between units of work (and kill a running llama.cpp child
process); it raises `Cancelled`, which the recipe turns into the `cancelled` event."""
from __future__ import annotations

import signal


class Cancelled(Exception):
    """Raised by Cancellation.check() once a stop was requested."""


class Cancellation:
    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def check(self) -> None:
        if self.requested:
            raise Cancelled()

    def install(self) -> "Cancellation":
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, _frame) -> None:
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGTERM)  # 143 for SIGTERM, 130 for SIGINT
