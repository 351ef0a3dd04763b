"""Whether the network runs in bfloat16: on a GPU, and on CPUs whose instructions do bfloat16 math."""
from __future__ import annotations

import functools
from pathlib import Path

import torch

# Flags Linux lists for CPUs that multiply bfloat16 natively (AMD Zen 4 and later, Intel Cooper
# Lake, Sapphire Rapids and later). Other CPUs emulate it, more slowly than float32.
NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}
# The CPU setting: bfloat16 where the CPU does it natively ("auto"), never ("0") or always ("1", to
# compare). The platform takes it from HTR_CPU_BF16 (htr_platform/settings.py), the commands from --cpu-bf16.
CPU_BF16_SETTINGS = ("auto", "0", "1")


@functools.cache
def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return False
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return bool(NATIVE_BF16_FLAGS.intersection(flags))


def uses_bf16(device: torch.device, cpu_bf16: str = "auto") -> bool:
    """bfloat16 autocast for ``device``: always on CUDA; on the CPU as ``cpu_bf16`` says (one of
    CPU_BF16_SETTINGS)."""
    if cpu_bf16 not in CPU_BF16_SETTINGS:
        raise ValueError(f"the CPU bfloat16 setting must be auto, 0 or 1, not {cpu_bf16!r}")
    if device.type == "cuda":
        return True
    if device.type != "cpu":
        return False
    return cpu_has_native_bf16() if cpu_bf16 == "auto" else cpu_bf16 == "1"


def precision_name(device: torch.device, cpu_bf16: str = "auto") -> str:
    return "bf16" if uses_bf16(device, cpu_bf16) else "float32"


def autocast(device: torch.device, cpu_bf16: str = "auto") -> torch.autocast:
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=uses_bf16(device, cpu_bf16))


def cpu_bf16_option(parser) -> None:
    """A command's ``--cpu-bf16`` option (an argparse parser's)."""
    parser.add_argument("--cpu-bf16", choices=CPU_BF16_SETTINGS, default="auto",
                        help="on a CPU, run the networks in bfloat16 where it is native (auto), never (0) or always (1)")
