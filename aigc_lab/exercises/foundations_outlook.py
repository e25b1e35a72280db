"""Checks for the exercises of notebooks/01_foundations/04_outlook."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from . import exercise


@exercise("01_foundations.04.a", kind="value",
          hint="Training compute is about 6 x parameters x tokens: 2 for the forward multiply-add, 4 for the backward.")
def _training_flops(answer) -> bool:
    return isinstance(answer, (int, float)) and abs(float(answer) - 6 * 1e8 * 2e9) <= 1e-6 * 6 * 1e8 * 2e9


@exercise("01_foundations.04.b", kind="function",
          hint="Fit a straight line to (log N, log L) with np.polyfit(..., 1); the exponent b is minus its slope.")
def _exponent(answer) -> bool:
    rng = np.random.default_rng(0)
    for b, a in ((0.076, 3.0), (0.3, 50.0), (0.5, 7.0)):
        n = np.geomspace(1e3, 1e8, 8)
        loss = a * n ** -b * np.exp(rng.normal(0, 1e-3, n.size))
        value = float(answer(n, loss))
        if abs(value - b) > 0.01:
            return False
    return True


@exercise("01_foundations.04.c", kind="function",
          hint="Average two cross-entropies against torch.arange(B): one over the rows (image -> text), "
               "one over the columns (text -> image), i.e. of logits and of logits.T.")
def _info_nce(answer) -> bool:
    torch.manual_seed(0)
    for b in (2, 5, 9):
        logits = torch.randn(b, b, dtype=torch.float64) * 3
        labels = torch.arange(b)
        reference = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
        value = answer(logits.clone())
        if value is None or not torch.allclose(torch.as_tensor(value, dtype=torch.float64), reference, atol=1e-8):
            return False
    return True


@exercise("01_foundations.04.d", kind="value",
          hint="Solve 2 N^-0.1 + 1 = 1.5 for N: N^-0.1 = 0.25, so N = 0.25^(-1/0.1) = 4^10.")
def _size_for_loss(answer) -> bool:
    return isinstance(answer, (int, float)) and abs(float(answer) - 4.0 ** 10) <= 1e-6 * 4.0 ** 10
