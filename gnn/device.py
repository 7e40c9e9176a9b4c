"""``--device auto|cpu|cuda``: where training runs. Saved models always load on the CPU."""

from __future__ import annotations

import torch

from core.errors import ConfigurationError

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str = "auto") -> str:
    """``auto`` is CUDA when a GPU is visible, else the CPU; ``cuda`` without one is an error."""
    if name not in DEVICES:
        raise ConfigurationError(f"device {name!r} unknown: choose one of {', '.join(DEVICES)}")
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigurationError("--device cuda asked for, but torch sees no CUDA device")
    return name
