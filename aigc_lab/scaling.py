"""Scaling laws, measured: fit how held-out loss falls with model size and compute.

Kaplan et al. (2020) and Hoffmann et al. (2022, "Chinchilla") found that a language model's
held-out loss follows a power law in its parameter count N (and in data D and compute C):

    L(N) = a * N^(-b) + c                                        # c: the loss no size removes

``fit_power_law`` fits (a, b, c) to measured (N, L) pairs; with ``offset=False`` it is the plain
log-log straight line  log L = log a - b log N  (c = 0).  ``training_flops`` is the usual
estimate of training compute, C ~= 6 N D (2 N D multiply-adds forward, twice that backward).
This module knows nothing about text or images: the outlook notebook trains a family of GPTs
(``aigc_lab/text/scaling_recipe.py``) and hands the numbers here.

    law = fit_power_law(params, losses)
    law(10 * params[-1])           # the predicted loss of a 10x larger model
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class PowerLaw:
    """L(N) = a * N^(-b) + c."""

    a: float      # scale
    b: float      # exponent: how fast the loss falls; Kaplan et al. measured about 0.076 for N
    c: float      # irreducible loss (0 for a pure power law)

    def __call__(self, n) -> np.ndarray | float:
        value = self.a * np.asarray(n, dtype=np.float64) ** (-self.b) + self.c
        return float(value) if np.ndim(value) == 0 else value

    def size_for_loss(self, loss: float) -> float:
        """The N at which the law reaches ``loss`` (inf if ``loss`` is at or below the floor c)."""
        if loss <= self.c:
            return float("inf")
        return float((self.a / (loss - self.c)) ** (1 / self.b))


def _check_points(n, loss, minimum: int) -> tuple[np.ndarray, np.ndarray]:
    n, loss = np.asarray(n, dtype=np.float64).ravel(), np.asarray(loss, dtype=np.float64).ravel()
    if n.shape != loss.shape:
        raise ValueError(f"sizes and losses differ in length: {n.size} and {loss.size}")
    if n.size < minimum:
        raise ValueError(f"need at least {minimum} (size, loss) points to fit this law, got {n.size}")
    if not (np.all(np.isfinite(n)) and np.all(np.isfinite(loss))):
        raise ValueError("sizes and losses must be finite numbers")
    if np.any(n <= 0) or np.any(loss <= 0):
        raise ValueError("sizes and losses must be positive (a power law lives on a log-log plot)")
    if np.unique(n).size < 2:
        raise ValueError("need at least two different sizes to fit a slope")
    return n, loss


def _line(log_n: np.ndarray, log_y: np.ndarray) -> tuple[float, float]:
    """Least-squares log y = intercept - b log n; returns (intercept, b)."""
    slope, intercept = np.polyfit(log_n, log_y, 1)
    return float(intercept), float(-slope)


def fit_power_law(n, loss, *, offset: bool = True, grid: int = 400) -> PowerLaw:
    """Fit L = a N^-b + c to measured points by least squares on the relative error.

    offset=False: a straight line in log-log space (c = 0), two points suffice.
    offset=True: for each candidate floor c in [0, min L) the rest is that straight line fitted to
    log(L - c); the c with the smallest squared relative error wins, then a finer grid around it.
    A grid is slower than Newton's method but cannot diverge and gives the same answer every run.
    """
    n, loss = _check_points(n, loss, 3 if offset else 2)
    log_n = np.log(n)
    if not offset:
        intercept, b = _line(log_n, np.log(loss))
        return PowerLaw(float(np.exp(intercept)), b, 0.0)

    def score(c: float) -> tuple[float, PowerLaw]:
        intercept, b = _line(log_n, np.log(loss - c))
        law = PowerLaw(float(np.exp(intercept)), b, float(c))
        return float(np.sum(((law(n) - loss) / loss) ** 2)), law

    top = loss.min() * (1 - 1e-6)
    lo, hi = 0.0, top
    best = None
    for _ in range(3):                                 # coarse grid, then two finer ones around the best
        candidates = np.linspace(lo, hi, grid)
        results = [score(c) for c in candidates]
        i = int(np.argmin([r[0] for r in results]))
        if best is None or results[i][0] <= best[0]:
            best = results[i]
        step = (hi - lo) / (grid - 1)
        lo, hi = max(0.0, candidates[i] - step), min(top, candidates[i] + step)
    return best[1]


def training_flops(params, tokens):
    """Training compute C ~= 6 N D floating-point operations (Kaplan et al. 2020, section 2.1)."""
    return 6 * np.asarray(params, dtype=np.float64) * np.asarray(tokens, dtype=np.float64)


def non_embedding_params(model: torch.nn.Module, skip: tuple[str, ...] = ("tok_emb", "pos_emb")) -> int:
    """Parameters outside the embedding tables: the N of Kaplan et al., whose laws are cleaner without them.

    A parameter shared by two names (a tied head) is counted once, under its first name.
    """
    return sum(p.numel() for name, p in model.named_parameters() if not name.split(".")[0] in skip)


def widths_for_family(smallest: int, largest: int, members: int, *, multiple: int = 8) -> list[int]:
    """``members`` widths spaced evenly on a log scale from ``smallest`` to ``largest``, rounded to ``multiple``.

    Parameters grow with width squared, so doubling the width is about four times the size.
    """
    if members < 2 or smallest < multiple or largest <= smallest:
        raise ValueError(f"need members >= 2 and {multiple} <= smallest < largest; got {members}, {smallest}, {largest}")
    raw = np.geomspace(smallest, largest, members)
    widths = sorted({int(multiple * max(1, round(w / multiple))) for w in raw})
    if len(widths) < members:
        raise ValueError(f"{members} distinct widths (multiples of {multiple}) do not fit in [{smallest}, {largest}]")
    return widths
