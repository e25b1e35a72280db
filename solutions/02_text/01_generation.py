"""Worked solutions for the exercises of notebooks/02_text/01_generation.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("02_text.01.x", ...)`` and ``wrong_x()`` returns a plausible mistake
that the check must reject.
"""
from __future__ import annotations

import torch


def exercise_a():
    """Convert a loss in nats per token into nats per character.

    The total cost of a text is the same however it is cut: the sum of
    -log p over its tokens. So nats/token times the number of tokens equals
    nats/char times the number of characters, and nats/char = nats/token x
    tokens / chars. A BPE model with fewer, longer tokens has a higher loss
    per token but can still have a lower loss per character.
    """
    def per_char(nats_per_token, n_tokens, n_chars):
        return nats_per_token * n_tokens / n_chars

    return per_char


def wrong_a():
    """Turns the ratio upside down (characters per token instead of tokens per character)."""
    def per_char(nats_per_token, n_tokens, n_chars):
        return nats_per_token * n_chars / n_tokens

    return per_char


def exercise_b():
    """Sampling probabilities with temperature and top-k.

    Divide the scores by the temperature first (a low temperature spreads them
    apart, so the softmax gets sharper), keep the k largest by setting the others
    to -inf (their probability becomes exactly 0), and only then take the softmax,
    which renormalises the survivors to sum to one.
    """
    def probs(logits, temperature, top_k):
        logits = logits / temperature
        if top_k is not None:
            kth = torch.topk(logits, min(top_k, logits.numel())).values[-1]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        return torch.softmax(logits, dim=-1)

    return probs


def wrong_b():
    """Zeroes the tokens outside the top k after the softmax but forgets to renormalise."""
    def probs(logits, temperature, top_k):
        p = torch.softmax(logits / temperature, dim=-1)
        if top_k is not None:
            kth = torch.topk(p, min(top_k, p.numel())).values[-1]
            p = p.masked_fill(p < kth, 0.0)
        return p

    return probs


def exercise_c():
    """One GRU step, with PyTorch's gate order (reset, update, candidate).

    Project the input and the previous state separately, each into three blocks.
    The reset gate r and update gate z are sigmoids of the sum of the two shares.
    The candidate n = tanh(x_n + r * h_n) lets r decide how much of the past
    (including its bias, as PyTorch does) enters the candidate. The new state
    blends old and new: h' = (1 - z) * n + z * h.
    """
    def gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
        x_r, x_z, x_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)
        h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return (1 - z) * n + z * h

    return gru_step


def wrong_c():
    """Swaps the roles of z: keeps (1 - z) of the old state instead of z."""
    def gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
        x_r, x_z, x_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)
        h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return z * n + (1 - z) * h

    return gru_step


def exercise_d():
    """Replace a pair of neighbouring tokens by a new id, left to right.

    Walk through the list with an index. Where the pair starts, emit the new id
    and skip both tokens; elsewhere copy one token and move on. Skipping two at a
    time is what makes a run like [5, 5, 5] become [new, 5], not [new, new].
    """
    def merge(ids, pair, new_id):
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
                out.append(new_id)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        return out

    return merge


def wrong_d():
    """Scans right to left, so in an odd run like [5, 5, 5] the last two merge instead of the first two."""
    def merge(ids, pair, new_id):
        out, i = [], len(ids) - 1
        while i >= 0:
            if i >= 1 and (ids[i - 1], ids[i]) == tuple(pair):
                out.append(new_id)
                i -= 2
            else:
                out.append(ids[i])
                i -= 1
        return out[::-1]

    return merge
