"""Checks for the exercises of notebooks/01_foundations/01_concepts.

Each check compares the learner's function with what PyTorch or the package computes
on inputs made up here, so the notebook never holds the answer.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from ..data.text import unigram_entropy
from . import exercise


@exercise("01_foundations.01.a", kind="function",
          hint="Each of the out_channels filters has in_channels x kernel_size x kernel_size weights, plus one bias.")
def _conv_params(answer) -> bool:
    for c_in, c_out, k in [(1, 16, 3), (16, 32, 3), (3, 8, 5), (4, 1, 1), (2, 7, 4)]:
        reference = sum(p.numel() for p in nn.Conv2d(c_in, c_out, k).parameters())
        if int(answer(c_in, c_out, k)) != reference:
            return False
    return True


@exercise("01_foundations.01.b", kind="function",
          hint="H = -sum_c p(c) log p(c) over the distinct tokens, with p(c) = count(c) / total and the natural log (nats).")
def _entropy(answer) -> bool:
    generator = torch.Generator().manual_seed(11)
    for vocab, n in [(2, 50), (10, 400), (40, 1000)]:
        weights = torch.rand(vocab, generator=generator) ** 3 + 1e-3     # a skewed distribution
        ids = torch.multinomial(weights, n, replacement=True, generator=generator)
        if not math.isclose(float(answer(ids)), unigram_entropy(ids), rel_tol=1e-5, abs_tol=1e-6):
            return False
    return math.isclose(float(answer(torch.zeros(20, dtype=torch.long))), 0.0, abs_tol=1e-6)


@exercise("01_foundations.01.c", kind="function",
          hint="A loss in nats is a natural log, so undo it with exp: a uniform guess over V tokens has loss log V and perplexity V.")
def _perplexity(answer) -> bool:
    for loss in [0.0, 0.5, 1.7, math.log(103), 3.25]:
        if not math.isclose(float(answer(loss)), math.exp(loss), rel_tol=1e-6):
            return False
    return True
