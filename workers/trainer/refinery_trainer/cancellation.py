"""SIGTERM/SIGINT only set a flag; the training loop checks it between micro-batches, saves a
checkpoint at the last completed optimizer step and exits with 128 + signal number."""
from __future__ import annotations

import signal


class Cancellation:
    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def install(self) -> "Cancellation":
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, _frame) -> None:
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGTERM)  # 143 for SIGTERM, 130 for SIGINT
