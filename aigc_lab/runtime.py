"""Where and how big: device, precision, profile, threads, seeds and timing, in one place.

Every notebook starts with the same three lines::

    from aigc_lab import runtime
    device = runtime.device()            # CUDA if present, else CPU
    steps = runtime.pick(smoke=50, cpu=2000, gpu=20000)

The profile (``AIGC_LAB_PROFILE`` = smoke | cpu | gpu) sizes every experiment:
smoke is what CI runs in about 30 s per notebook, cpu is a laptop run of a few
minutes, gpu is a few minutes on one CUDA GPU.  It defaults to gpu where CUDA is
present and cpu elsewhere.
"""
from __future__ import annotations

import contextlib
import os
import platform
import random
import time
from dataclasses import dataclass, field

import numpy as np
import torch

PROFILES = ("smoke", "cpu", "gpu")
PROFILE_VARIABLE = "AIGC_LAB_PROFILE"
DEVICE_VARIABLE = "AIGC_LAB_DEVICE"
THREADS_VARIABLE = "AIGC_LAB_THREADS"

# Models below this many parameters ran 4 to 20 times faster with one torch
# thread than with two on a 2-core machine (thread hand-off costs more than the
# arithmetic); a 0.8M-parameter GPT was faster with two.  See ENVIRONMENT_NOTES.
SMALL_MODEL_PARAMS = 200_000


class ProfileError(ValueError):
    """An unknown profile name."""


class DeviceError(RuntimeError):
    """A device was asked for that this machine does not have."""


# --------------------------------------------------------------------------- profile
def profile() -> str:
    """The active profile: ``$AIGC_LAB_PROFILE``, else gpu with CUDA, else cpu."""
    name = os.environ.get(PROFILE_VARIABLE, "").strip().lower()
    if not name:
        return "gpu" if torch.cuda.is_available() else "cpu"
    if name not in PROFILES:
        raise ProfileError(
            f"{PROFILE_VARIABLE}={name!r} is not a profile; valid profiles are "
            f"{', '.join(PROFILES)} (smoke: CI-sized, cpu: a laptop, gpu: one CUDA GPU)."
        )
    return name


def pick(smoke, cpu, gpu=None, *, profile_name: str | None = None):
    """The value for the active profile, e.g. ``pick(smoke=200, cpu=3000, gpu=20000)``.

    ``gpu`` defaults to the ``cpu`` value.
    """
    name = profile_name or profile()
    if name not in PROFILES:
        raise ProfileError(f"{name!r} is not a profile; valid profiles are {', '.join(PROFILES)}.")
    return {"smoke": smoke, "cpu": cpu, "gpu": cpu if gpu is None else gpu}[name]


# --------------------------------------------------------------------------- device
def device(name: str | None = None) -> torch.device:
    """The device to train on.

    ``None`` or ``"auto"`` (or ``$AIGC_LAB_DEVICE``) gives CUDA when present, else
    the CPU.  Apple's MPS is used only when asked for by name, since it still
    computes some operations wrongly.  Asking for a device this machine lacks
    raises :class:`DeviceError` with what to do instead.
    """
    name = (name or os.environ.get(DEVICE_VARIABLE) or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    kind = name.split(":")[0]
    if kind == "cpu":
        return torch.device("cpu")
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(
                f"device {name!r} was requested but this torch ({torch.__version__}) sees no CUDA GPU. "
                "Fix: use device='cpu' (or unset AIGC_LAB_DEVICE), or install a CUDA build of torch "
                "on a machine with an NVIDIA GPU; `aigc-lab doctor` shows what torch sees."
            )
        return torch.device(name)
    if kind == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceError(f"device {name!r} was requested but MPS is not available here; use 'cpu'.")
        return torch.device("mps")
    raise DeviceError(f"unknown device {name!r}; use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'.")


def autocast(dev: torch.device | str, enabled: bool | None = None, dtype: torch.dtype = torch.bfloat16):
    """Mixed precision for the forward pass: bf16 autocast on CUDA, plain float32 on CPU.

    ``enabled=True`` forces autocast on the CPU too (the tests use it to run the
    GPU code path before any GPU sees it); ``enabled=False`` turns it off.
    """
    dev_type = torch.device(dev).type
    if enabled is None:
        enabled = dev_type == "cuda"
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=dev_type, dtype=dtype)


def set_threads(n: int | None = None, *, params: int | None = None) -> int:
    """Set torch's CPU thread count and return it.

    Order of precedence: ``n``, then ``$AIGC_LAB_THREADS``, then a choice by model
    size: one thread for models under ``SMALL_MODEL_PARAMS`` parameters, every
    core for larger ones.
    """
    env = os.environ.get(THREADS_VARIABLE)
    if n is None and env:
        try:
            n = int(env)
        except ValueError:
            raise ValueError(f"{THREADS_VARIABLE}={env!r} is not a whole number of threads") from None
    if n is None:
        n = 1 if params is not None and params < SMALL_MODEL_PARAMS else (os.cpu_count() or 1)
    if n < 1:
        raise ValueError(f"thread count must be at least 1, got {n}")
    torch.set_num_threads(n)
    return n


def count_params(model: torch.nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# --------------------------------------------------------------------------- seeds and time
def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch (CPU and CUDA); return a torch Generator with that seed."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


@dataclass
class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``.  Synchronises CUDA so GPU work is counted."""

    seconds: float = 0.0
    _start: float = field(default=0.0, repr=False)

    def __enter__(self) -> "Stopwatch":
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.seconds = time.perf_counter() - self._start


def describe() -> dict:
    """What this machine offers, for ``aigc-lab doctor`` and benchmark records."""
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores",
        "cuda": torch.cuda.is_available(),
        "profile": os.environ.get(PROFILE_VARIABLE) or f"(default: {'gpu' if torch.cuda.is_available() else 'cpu'})",
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info
