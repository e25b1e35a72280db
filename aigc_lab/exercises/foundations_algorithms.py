"""Checks for the exercises of notebooks/01_foundations/02_algorithms.

Each check runs the learner's function on inputs made up here and compares it with
autograd, F.conv2d or aigc_lab.from_scratch, so the notebook never holds the answer.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import from_scratch
from . import exercise


def _bumpy(w: torch.Tensor) -> torch.Tensor:
    """The exercise's loss: f(w) = (w0 * w1 - 1)^2 + 0.1 * w0^2."""
    return (w[0] * w[1] - 1) ** 2 + 0.1 * w[0] ** 2


@exercise("01_foundations.02.a", kind="function",
          hint="Chain rule: the derivative of u^2 is 2u times the derivative of u itself, and u = w0 w1 - 1 depends on both weights.")
def _gradient(answer) -> bool:
    generator = torch.Generator().manual_seed(3)
    for _ in range(5):
        w = (torch.randn(2, generator=generator, dtype=torch.float64) * 2).requires_grad_(True)
        reference = torch.autograd.grad(_bumpy(w), w)[0]
        mine = torch.as_tensor(answer(w.detach().clone()), dtype=torch.float64).reshape(-1)
        if mine.shape != reference.shape or not torch.allclose(mine, reference, atol=1e-6):
            return False
    return True


@exercise("01_foundations.02.b", kind="function",
          hint="Each gradient has the shape of the tensor it belongs to; write one entry y[n, j] as a sum and differentiate it. Every row of the batch used the same b.")
def _linear_backward(answer) -> bool:
    generator = torch.Generator().manual_seed(5)
    x = torch.randn(6, 4, generator=generator, dtype=torch.float64, requires_grad=True)
    W = torch.randn(4, 3, generator=generator, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, generator=generator, dtype=torch.float64, requires_grad=True)
    grad_out = torch.randn(6, 3, generator=generator, dtype=torch.float64)
    reference = torch.autograd.grad(x @ W + b, (x, W, b), grad_out)
    mine = answer(x.detach().clone(), W.detach().clone(), grad_out.clone())
    if not isinstance(mine, (tuple, list)) or len(mine) != 3:
        return False
    return all(torch.as_tensor(m).shape == r.shape and torch.allclose(torch.as_tensor(m, dtype=torch.float64), r, atol=1e-8)
               for m, r in zip(mine, reference))


@exercise("01_foundations.02.c", kind="function",
          hint="Padding adds `padding` pixels on *both* sides; count how many times the kernel fits with jumps of `stride`, and count the first position too.")
def _conv_output_size(answer) -> bool:
    for size in (5, 8, 16, 17):
        for kernel in (1, 2, 3, 5):
            for stride in (1, 2, 3):
                for padding in (0, 1, 2):
                    if kernel > size + 2 * padding:
                        continue
                    out = F.conv2d(torch.zeros(1, 1, size, size), torch.zeros(1, 1, kernel, kernel),
                                   stride=stride, padding=padding)
                    if int(answer(size, kernel, stride, padding)) != out.shape[-1]:
                        return False
    return True


@exercise("01_foundations.02.d", kind="function",
          hint="Mind the scale (the square root of the key width), and mask the future before the softmax, not after, so each row still sums to 1.")
def _attention_weights(answer) -> bool:
    generator = torch.Generator().manual_seed(7)
    for T, d in [(4, 2), (6, 16), (1, 3)]:
        q = torch.randn(T, d, generator=generator, dtype=torch.float64)
        k = torch.randn(T, d, generator=generator, dtype=torch.float64)
        _, reference = from_scratch.attention(q, k, torch.zeros(T, 1, dtype=torch.float64), causal=True)
        mine = torch.as_tensor(answer(q.clone(), k.clone()), dtype=torch.float64)
        if mine.shape != reference.shape or not torch.allclose(mine, reference, atol=1e-8):
            return False
    return True
