"""Whether the network runs in bfloat16: on a GPU, and on CPUs whose instructions do bfloat16 math."""
from __future__ import annotations

import functools
import os
from pathlib import Path

import torch

# Flags Linux lists for CPUs that multiply bfloat16 natively (AMD Zen 4 and later, Intel Cooper
# Lake, Sapphire Rapids and later). Other CPUs emulate it, more slowly than float32.
NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


@functools.cache
def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return False
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return bool(NATIVE_BF16_FLAGS.intersection(flags))


def uses_bf16(device: torch.device) -> bool:
    """bfloat16 autocast for ``device``: always on CUDA; on the CPU where it is native, unless
    ``HTR_CPU_BF16=0`` (``1`` forces it on, to compare)."""
    if device.type == "cuda":
        return True
    if device.type != "cpu":
        return False
    setting = os.environ.get("HTR_CPU_BF16", "auto")
    if setting not in {"auto", "0", "1"}:
        raise ValueError(f"HTR_CPU_BF16 must be auto, 0 or 1, not {setting!r}")
    return cpu_has_native_bf16() if setting == "auto" else setting == "1"


def precision_name(device: torch.device) -> str:
    return "bf16" if uses_bf16(device) else "float32"


def autocast(device: torch.device) -> torch.autocast:
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=uses_bf16(device))
