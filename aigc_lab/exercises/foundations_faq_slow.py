"""Checks for the exercises of notebooks/01_foundations/05_faq_slow_training."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import exercise


@exercise("01_foundations.05.a", kind="value",
          hint="Multiply: examples per micro-batch, micro-batches per step, and processes that each do all of that.")
def _effective_batch(answer) -> bool:
    return isinstance(answer, (int, float)) and answer == 8 * 4 * 16


@exercise("01_foundations.05.b", kind="function",
          hint="With n = 1 the speed-up must be exactly 1, and with p = 1 it must be n.")
def _amdahl(answer) -> bool:
    for p in (0.0, 0.5, 0.9, 0.99, 1.0):
        for n in (1, 2, 8, 64):
            reference = 1 / ((1 - p) + p / n)
            value = float(answer(p, n))     # errors propagate: check() reports them (or "not attempted")
            if abs(value - reference) > 1e-9 * max(1.0, reference):
                return False
    return True


class _TinyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 3))

    def loss(self, batch):
        x, y = batch
        return F.cross_entropy(self.net(x), y)


@exercise("01_foundations.05.c", kind="function",
          hint="Divide each micro-batch's loss by the number of pieces before backward, and zero the gradients once, before the loop.")
def _accumulation(answer) -> bool:
    torch.manual_seed(0)
    model = _TinyModel().double()
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(12, 5, generator=g, dtype=torch.float64), torch.randint(3, (12,), generator=g)
    reference = torch.autograd.grad(model.loss((x, y)), list(model.parameters()))
    model.zero_grad()
    for p in model.parameters():                    # stale gradients: a correct answer clears them first
        p.grad = torch.ones_like(p)
    grads = answer(model, x, y, 4)
    if grads is None or len(list(grads)) != len(reference):
        return False
    return all(torch.allclose(torch.as_tensor(a, dtype=torch.float64), b, atol=1e-10) for a, b in zip(grads, reference))
