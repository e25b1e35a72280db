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
from ..text.sampling import nats_per_char
from .. import runtime
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


def _min_p_reference(logits: torch.Tensor, temperature: float, min_p: float | None) -> torch.Tensor:
    """Min-p sampling's distribution: drop every token less likely than min_p times the most likely one."""
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if min_p is not None:
        probs = probs.masked_fill(probs < min_p * probs.max(), 0.0)
        probs = probs / probs.sum()
    return probs


@exercise("02_text.01.f", kind="function",
          hint="Section 8's sampler shows the pattern: divide the logits by the temperature and take the softmax; then "
               "compare each probability with min_p times the largest one (a threshold relative to the top token, "
               "not an absolute one), zero the ones below it and divide by the new sum.")
def _probs(answer) -> bool:
    generator = torch.Generator().manual_seed(5)
    for vocab, temperature, min_p in [(10, 1.0, None), (10, 0.5, 0.1), (50, 2.0, 0.05), (7, 0.8, 1.0),
                                      (30, 1.3, 0.3), (40, 1.0, 0.02)]:
        logits = torch.randn(vocab, generator=generator) * 3
        got = torch.as_tensor(answer(logits.clone(), temperature, min_p), dtype=torch.float32)
        if got.shape != logits.shape or not torch.allclose(got, _min_p_reference(logits, temperature, min_p), atol=1e-5):
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


# --------------------------------------------------------------------------- e: sliding-window attention in a GPT
def _band_attention_reference(attn: nn.Module, x: torch.Tensor, window: int) -> torch.Tensor:
    """The package's attention weights, with position t allowed to see s only when t - window < s <= t."""
    B, T, C = x.shape
    heads = attn.n_head
    q, k, v = (t.view(B, T, heads, C // heads).transpose(1, 2) for t in attn.qkv(x).split(C, dim=2))
    t, s = torch.arange(T)[:, None], torch.arange(T)[None, :]
    allowed = (s <= t) & (s > t - window)                                     # (T, T)
    y = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    return attn.proj(y.transpose(1, 2).reshape(B, T, C))


@exercise("02_text.01.e", kind="function",
          hint="Start from the causal mask of section 5 (position t sees s <= t) and also hide the positions that are "
               "window or more steps back (s <= t - window). Keep the layers named qkv and proj, split the heads "
               "exactly as MyCausalSelfAttention does, and divide the scores by sqrt(d), the width of one head.")
def _local_attention(answer) -> bool:
    from .. import train
    from ..data.text import CharTokenizer, LMBatches, python_docs_text, unigram_entropy
    from ..text.gpt import GPT, CausalSelfAttention, GPTConfig

    # 1. the same weights give the same outputs as a masked reference, for several windows
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=10, n_embd=32, n_head=4)
    package = CausalSelfAttention(config)
    x = torch.randn(3, 12, 32)
    for window in (12, 20, 4, 1):
        mine = answer(32, 4, window)
        mine.load_state_dict(package.state_dict())
        with torch.no_grad():
            got = mine(x)
            expected = package(x) if window >= 12 else _band_attention_reference(package, x, window)
        if got is None:
            raise NotImplementedError
        try:
            torch.testing.assert_close(got, expected)
        except AssertionError:
            return False

    # 2. dropped into a 2-layer GPT, it trains for 100 steps about as well as the package's full attention
    text = python_docs_text()[:60_000]
    chars = CharTokenizer(text)
    ids = chars.encode(text)
    config = GPTConfig(vocab_size=chars.vocab_size, block_size=32, n_layer=2, n_head=4, n_embd=32)
    losses = {}
    with runtime.threads(1):                      # a model this small trains several times faster on one thread
        for name in ("package", "yours"):
            torch.manual_seed(0)
            model = GPT(config)
            if name == "yours":
                for block in model.blocks:
                    local = answer(config.n_embd, config.n_head, 8)
                    local.load_state_dict(block.attn.state_dict())       # the same starting weights
                    block.attn = local
            history = train.fit(model, LMBatches(ids, block=32, batch=16), steps=100, lr=3e-3, warmup=10,
                                device="cpu", progress=False, log_every=25)
            losses[name] = history.final_loss
    return losses["yours"] < unigram_entropy(ids) and losses["yours"] < losses["package"] + 0.15
