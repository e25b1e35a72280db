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


@contextlib.contextmanager
def threads(n: int):
    """``with runtime.threads(1): ...``: torch uses ``n`` CPU threads inside the block, and its previous count after."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(before)


class ThreadChooser:
    """A training hook that keeps re-checking which thread count runs the steps faster, and uses it.

    A single timing probe at the start can lock in a bad choice: on a two-core laptop where another
    program takes one core, two torch threads wait on each other and can run several times slower than
    one, and the load changes while a run trains. So, as ``fit``'s ``on_step_end``, this hook times
    every step (the wall time between two calls), and every ``recheck_seconds`` it runs ``trial_steps``
    steps at the other thread count. It keeps whichever count had the lower median step time:

        chooser = runtime.ThreadChooser()          # choices: one thread, or every core
        fit(model, data, max_seconds=240, on_step_end=chooser)
        chooser.threads, chooser.switches           # what it uses now, and how often it changed its mind

    A trial costs at most ``trial_steps`` slow steps per ``recheck_seconds`` (about 2% of a run with the
    defaults when one count is twice as fast). With ``$AIGC_LAB_THREADS`` set, or one core, it never
    changes the count.
    """

    def __init__(self, choices: tuple[int, ...] | None = None, *, trial_steps: int = 6,
                 recheck_seconds: float = 20.0, clock=time.perf_counter):
        cores = os.cpu_count() or 1
        self.choices = tuple(sorted(set(choices or (1, cores))))
        if any(n < 1 for n in self.choices):
            raise ValueError(f"thread counts must be at least 1, got {self.choices}")
        self.fixed = bool(os.environ.get(THREADS_VARIABLE)) or len(self.choices) < 2
        self.trial_steps, self.recheck_seconds, self.clock = trial_steps, recheck_seconds, clock
        self.threads = torch.get_num_threads()
        self.median_ms: dict[int, float] = {}      # thread count -> median step time of its latest window
        self.switches = 0
        self._last: float | None = None            # time of the previous call
        self._window: list[float] = []             # step times of the current window
        self._trial_from: int | None = None        # the count a trial started from (None: not in a trial)
        self._next_check = None                    # clock time of the next trial

    def _set(self, n: int) -> None:
        torch.set_num_threads(n)
        self.threads = n

    def __call__(self, step: int, model=None) -> None:
        now = self.clock()
        if self._last is None or self.fixed:       # the first call only starts the clock
            self._last, self._next_check = now, now + self.recheck_seconds / 4   # first trial early
            return
        self._window.append(now - self._last)
        if len(self._window) >= self.trial_steps:
            self.median_ms[self.threads] = 1000 * sorted(self._window)[len(self._window) // 2]
            self._window = []
            if self._trial_from is not None:        # a trial just ended: keep the faster count
                before = self._trial_from
                if self.median_ms[before] <= self.median_ms[self.threads]:
                    self._set(before)
                else:
                    self.switches += 1
                self._trial_from = None
                self._next_check = now + self.recheck_seconds
            elif now >= self._next_check:          # time to try the other count(s) again
                others = [n for n in self.choices if n != self.threads]
                self._trial_from = self.threads
                self._set(min(others, key=lambda n: self.median_ms.get(n, 0.0)))
        self._last = self.clock()                  # the hook's own work is not counted as step time


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
