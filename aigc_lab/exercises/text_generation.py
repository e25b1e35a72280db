"""Checks for the exercises of notebooks/02_text/01_generation.

Each check runs the learner's function on inputs made up here and compares it with
what the package (or PyTorch) computes, so the notebook never holds the answer.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn

from ..text.bpe import merge
from ..text.sampling import nats_per_char, next_token_probs
from . import exercise


@exercise("02_text.01.a", kind="function",
          hint="The whole text costs the same number of nats however it is cut into tokens: "
               "nats/token x number of tokens = nats/char x number of characters.")
def _per_char(answer) -> bool:
    for loss, tokens, chars in [(2.0, 100, 230), (1.3, 5000, 5000), (4.1, 917, 2003), (0.0, 10, 40)]:
        if not math.isclose(float(answer(loss, tokens, chars)), nats_per_char(loss, tokens, chars),
                            rel_tol=1e-6, abs_tol=1e-9):
            return False
    return True


@exercise("02_text.01.b", kind="function",
          hint="Divide the logits by the temperature, set every score below the k-th largest to -inf, "
               "then take the softmax (so the kept probabilities sum to 1).")
def _probs(answer) -> bool:
    generator = torch.Generator().manual_seed(5)
    for vocab, temperature, top_k in [(10, 1.0, None), (10, 0.5, 3), (50, 2.0, 10), (7, 0.8, 1), (30, 1.3, 30)]:
        logits = torch.randn(vocab, generator=generator) * 3
        got = torch.as_tensor(answer(logits.clone(), temperature, top_k), dtype=torch.float32)
        if got.shape != logits.shape or not torch.allclose(got, next_token_probs(logits, temperature, top_k), atol=1e-5):
            return False
    return True


@exercise("02_text.01.c", kind="function",
          hint="r and z are sigmoids of the input's share plus the state's share; the candidate is "
               "tanh(x_n + r * h_n) where h_n = W_hn h + b_hn includes its bias; then h' = (1 - z) * n + z * h. "
               "The gates are stacked in the order r, z, n.")
def _gru(answer) -> bool:
    torch.manual_seed(3)
    for batch, inputs, hidden in [(2, 3, 4), (5, 8, 6), (1, 1, 1)]:
        cell = nn.GRUCell(inputs, hidden).double()
        x = torch.randn(batch, inputs, dtype=torch.float64)
        h = torch.randn(batch, hidden, dtype=torch.float64)
        with torch.no_grad():
            expected = cell(x, h)
            got = answer(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        if not torch.allclose(torch.as_tensor(got, dtype=torch.float64), expected, atol=1e-8):
            return False
    return True


@exercise("02_text.01.d", kind="function",
          hint="Walk left to right: where the pair starts at i, emit new_id and jump to i + 2; otherwise emit "
               "ids[i] and go to i + 1. In a run like a a a only the first two merge.")
def _merge(answer) -> bool:
    rng = np.random.default_rng(7)
    cases = [([1, 2, 3, 1, 2], (1, 2), 9), ([5, 5, 5], (5, 5), 9), ([5, 5, 5, 5], (5, 5), 9), ([], (1, 2), 9),
             ([1], (1, 2), 9), ([2, 1, 2, 1], (1, 2), 7)]
    for _ in range(20):
        cases.append((rng.integers(0, 3, size=rng.integers(0, 30)).tolist(), tuple(rng.integers(0, 3, size=2).tolist()), 3))
    for ids, pair, new_id in cases:
        got = answer(list(ids), pair, new_id)
        if [int(i) for i in got] != merge(np.array(ids, dtype=np.int64), pair, new_id).tolist():
            return False
    return True
