"""Memory: peak memory per step, and on CUDA the largest micro-batch that fits.

Peak memory: on CUDA `torch.cuda.max_memory_allocated` since the step began (the counter is reset
before each step); on CPU the process's resident-set high-water mark (`ru_maxrss`), which only
ever grows: it is the peak up to and including that step, not of that step alone.

Batch probe (CUDA only): an optimizer step takes `batch_size x grad_accum` rows; the probe runs a
forward and backward pass on the widest rows of the data for micro-batches of that many rows,
then half as many, ... down to 1, and keeps the first that fits under PROBE_MEMORY_FRACTION of
the device. The step then runs as ceil(effective / micro) micro-batches. The loss of a step is
normalised by the trained tokens of the whole step (lora_sft.optimizer_step), so the split does
not change what is learned (up to float rounding). On CPU there is nothing to probe (memory is
the host's): micro-batches are `batch_size` rows, exactly as configured.
"""
from __future__ import annotations

import math
import resource
import sys
from collections.abc import Callable

import torch

PROBE_MEMORY_FRACTION = 0.9  # headroom for the optimizer state and allocator fragmentation


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_bytes(device: torch.device) -> int:
    if device.type == "cuda":
        return int(torch.cuda.max_memory_allocated(device))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)  # Linux reports KiB, macOS bytes


def probe_candidates(effective: int) -> list[int]:
    """effective, ceil(effective / 2), ... 1: micro-batch sizes to try, largest first."""
    out, m = [], effective
    while True:
        out.append(m)
        if m == 1:
            return out
        m = math.ceil(m / 2)


def largest_fitting(effective: int, fits: Callable[[int], bool]) -> int:
    """The first candidate micro-batch size for which `fits` is true (1 if none: the step then
    fails at training time with the device's out-of-memory error, which is the honest outcome)."""
    for m in probe_candidates(effective):
        if fits(m):
            return m
    return 1


def cuda_fits(device: torch.device, try_step: Callable[[int], None]) -> Callable[[int], bool]:
    """Wraps one trial forward+backward of m rows: true if it ran without running out of memory and
    its peak stayed under PROBE_MEMORY_FRACTION of the device's memory."""
    total = torch.cuda.get_device_properties(device).total_memory

    def fits(m: int) -> bool:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
        try:
            try_step(m)
        except torch.cuda.OutOfMemoryError:
            return False
        finally:
            torch.cuda.empty_cache()
        return torch.cuda.max_memory_allocated(device) <= PROBE_MEMORY_FRACTION * total

    return fits
