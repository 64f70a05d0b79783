"""Which int8 kernel ONNX Runtime will run on this CPU, and whether a model's
figures were measured on the same one.

ONNX Runtime chooses its u8s8 matmul kernel by CPU. With VNNI (or AMX) the
int8 products are summed exactly. Without it, AVX2's `vpmaddubsw` adds pairs
of products into int16 and saturates, unless the weights were quantized to 7
bits (`reduce_range`). A model quantized with 8-bit weights therefore scores
slightly differently on the two kinds of CPU: measured on the shipped model,
CheckThat! 1C dev harmful F1 0.4255 on VNNI and 0.4583 on AVX2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def cpu_isa() -> dict[str, bool]:
    """The int8 instruction sets of this CPU (Linux /proc/cpuinfo)."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        flags = set()
    return {
        "avx2": "avx2" in flags,
        "avx512_vnni": "avx512_vnni" in flags,
        "avx_vnni": "avx_vnni" in flags,
        "amx_int8": "amx_int8" in flags,
    }


def has_vnni(isa: dict[str, bool] | None = None) -> bool:
    isa = cpu_isa() if isa is None else isa
    return bool(isa.get("avx512_vnni") or isa.get("avx_vnni") or isa.get("amx_int8"))


def int8_kernel(isa: dict[str, bool] | None = None) -> str:
    """ "vnni" (exact int32 sums) or "avx2" (int16 pair sums that can saturate)."""
    return "vnni" if has_vnni(isa) else "avx2"


def kernel_sensitive(quantization: dict[str, Any]) -> bool:
    """True when the model's scores depend on the kernel: 8-bit weights
    (reduce_range off) in a dynamic int8 graph."""
    return bool(quantization) and not quantization.get("reduce_range", False)
