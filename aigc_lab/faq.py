"""Small recipes behind the FAQ notebooks (notebooks/01_foundations/06_faq_accuracy, 07_faq_deployment).

    noisy = flip_labels(y, 0.3, classes=10, seed=0)      # exactly 30% of the labels changed, never to themselves
    sweep = lr_range_test(make_model, batches, lr_min=1e-5, lr_max=1.0, steps=100)
    latency_percentiles(lambda: model(x), repeats=50)    # {"p50": ms, "p95": ms}
    throughput(model, x, batch_sizes=(1, 8, 64))        # {batch: examples per second}
    saliency(model, x, target)                          # |d score / d input|, shaped like x
    membership_leak()                                   # (membership-inference AUC, members' train accuracy)

Each is tested in tests/test_faq.py.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from . import privacy, runtime
from .data.image import load_digits


# --------------------------------------------------------------------------- label noise
def flip_labels(y: torch.Tensor, fraction: float, *, classes: int | None = None, seed: int = 0) -> torch.Tensor:
    """A copy of ``y`` in which exactly ``round(fraction * len(y))`` labels are changed to a different class.

    Which labels change and what they become are both random (seeded); a changed label never
    equals the original one, so the noise rate is exactly ``fraction``.
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction is in [0, 1], got {fraction}")
    classes = int(classes if classes is not None else int(y.max()) + 1)
    if classes < 2:
        raise ValueError("flipping labels needs at least two classes")
    g = torch.Generator().manual_seed(seed)
    y = y.clone()
    n = round(fraction * len(y))
    which = torch.randperm(len(y), generator=g)[:n]
    # adding 1..classes-1 (mod classes) moves every chosen label to another class, uniformly
    shift = torch.randint(1, classes, (n,), generator=g)
    y[which] = (y[which] + shift) % classes
    return y


# --------------------------------------------------------------------------- learning-rate range test
@dataclass
class RangeTest:
    lrs: list[float] = field(default_factory=list)      # the learning rate of each step, increasing
    losses: list[float] = field(default_factory=list)   # smoothed training loss at that step

    def suggestion(self) -> float:
        """A learning rate a tenth of the one where the smoothed loss was lowest (a common rule of thumb:
        the minimum sits just before the blow-up, so step back from it)."""
        return self.lrs[int(np.argmin(self.losses))] / 10


def lr_range_test(model_fn, data, *, lr_min: float = 1e-5, lr_max: float = 1.0, steps: int = 100,
                  smoothing: float = 0.9, stop_factor: float = 4.0, seed: int = 0) -> RangeTest:
    """Smith (2017): train a fresh ``model_fn()`` for ``steps`` steps while the learning rate grows
    exponentially from ``lr_min`` to ``lr_max``; record the (exponentially smoothed) loss at each rate.

    data        a callable returning a batch for ``model.loss``
    stop_factor stop once the smoothed loss exceeds ``stop_factor`` times its best (it has blown up)
    Plot ``losses`` against ``lrs`` on a log axis: the loss falls, flattens, then explodes.
    """
    torch.manual_seed(seed)
    model = model_fn()
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr_min, betas=(0.9, 0.95))
    ratio = (lr_max / lr_min) ** (1 / max(1, steps - 1))       # lr_k = lr_min * ratio^k
    result, average, best = RangeTest(), 0.0, math.inf
    for k in range(steps):
        lr = lr_min * ratio ** k
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = model.loss(data())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        average = smoothing * average + (1 - smoothing) * loss.item()
        smoothed = average / (1 - smoothing ** (k + 1))         # bias correction, as in Adam
        if not math.isfinite(smoothed):
            break
        result.lrs.append(lr)
        result.losses.append(smoothed)
        best = min(best, smoothed)
        if smoothed > stop_factor * best:
            break
    return result


# --------------------------------------------------------------------------- latency and throughput
def latency_percentiles(fn, *, repeats: int = 50, warmup: int = 3, percentiles=(50, 95)) -> dict[str, float]:
    """Call ``fn()`` ``repeats`` times (after ``warmup`` untimed calls); return {"p50": ms, "p95": ms, ...}.

    The median says what a typical request costs; p95 says what one request in twenty waits at
    least, which is what users notice.  Use ``times_ms`` for the raw list.
    """
    times = times_ms(fn, repeats=repeats, warmup=warmup)
    return {f"p{p:g}": float(np.percentile(times, p)) for p in percentiles}


def times_ms(fn, *, repeats: int = 50, warmup: int = 3) -> list[float]:
    """Wall time of each of ``repeats`` calls of ``fn()``, in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return times


@torch.inference_mode()
def throughput(model: torch.nn.Module, x: torch.Tensor, *, batch_sizes=(1, 8, 64), repeats: int = 10) -> dict[int, float]:
    """Examples per second of ``model`` on the first ``b`` rows of ``x``, for each batch size ``b``.

    Timed by the fastest of ``repeats`` calls: the call least disturbed by other processes, which is the
    model's own cost (use ``latency_percentiles`` for what a user waits).  Bigger batches share each
    call's fixed cost among more examples."""
    model = model.eval()
    out = {}
    for b in batch_sizes:
        xb = x[:b]
        ms = min(times_ms(lambda: model(xb), repeats=repeats, warmup=2))
        out[b] = len(xb) / (ms / 1000)
    return out


# --------------------------------------------------------------------------- explanation
def saliency(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor | int | None = None) -> torch.Tensor:
    """Simonyan et al. (2014): |d score_c / d x|, the gradient of the class score (logit) with respect to
    the input pixels, shaped like ``x``.  ``target`` defaults to the predicted class of each input."""
    model = model.eval()
    x = x.detach().clone().requires_grad_(True)
    logits = model(x)                                             # (B, classes)
    if target is None:
        target = logits.argmax(-1)
    target = torch.as_tensor(target).expand(len(x)) if torch.as_tensor(target).dim() == 0 else torch.as_tensor(target)
    score = logits.gather(1, target.view(-1, 1)).sum()            # each input's own class score
    (grad,) = torch.autograd.grad(score, x)
    return grad.abs()


# --------------------------------------------------------------------------- privacy
def membership_leak(*, members: int = 60, steps: int | None = None, seed: int = 0) -> tuple[float, float]:
    """The privacy FAQ's measurement, tiny: a digits MLP over-fitted to ``members`` 'private' digits for ``steps``
    full-batch steps (150 in the smoke profile, else 600).  Returns (membership-inference AUC, member train
    accuracy); the outlook notebook and the ``foundations`` benchmark show it."""
    steps = runtime.pick(smoke=150, cpu=600, gpu=600) if steps is None else steps
    digits = load_digits(16)
    n = members
    x_in, y_in, x_out, y_out = digits.x_train[:n], digits.y_train[:n], digits.x_test[:n], digits.y_test[:n]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x_in), y_in).backward()
        opt.step()
    with torch.no_grad():
        member = torch.nn.functional.cross_entropy(model(x_in), y_in, reduction="none")
        outside = torch.nn.functional.cross_entropy(model(x_out), y_out, reduction="none")
        train_accuracy = (model(x_in).argmax(1) == y_in).float().mean().item()
    return privacy.membership_inference_auc(member, outside), train_accuracy
