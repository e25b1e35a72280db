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


def exercise_f():
    """Min-p sampling (Nguyen et al. 2024): a cut-off relative to the most likely token.

    Divide the scores by the temperature and take the softmax. A token survives if its
    probability is at least min_p times the top token's: when the model is sure (one token
    near 1) almost everything else is cut; when it hesitates (a flat distribution) many
    tokens stay. Zero the rest and divide by the new sum so the survivors sum to one.
    """
    def probs(logits, temperature, min_p):
        p = torch.softmax(logits / temperature, dim=-1)
        if min_p is not None:
            p = p.masked_fill(p < min_p * p.max(), 0.0)
            p = p / p.sum()
        return p

    return probs


def wrong_f():
    """Uses min_p as an absolute threshold on the probabilities instead of one relative to the top token."""
    def probs(logits, temperature, min_p):
        p = torch.softmax(logits / temperature, dim=-1)
        if min_p is not None:
            p = p.masked_fill(p < min_p, 0.0)
            p = p / p.sum()
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


def _local_attention(scale_by_head: bool):
    import math

    import torch.nn as nn

    class LocalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head, window):
            super().__init__()
            self.n_head, self.window = n_head, window
            self.qkv = nn.Linear(n_embd, 3 * n_embd)
            self.proj = nn.Linear(n_embd, n_embd)

        def forward(self, x):                                             # (B, T, C)
            B, T, C = x.shape
            d = C // self.n_head
            q, k, v = (t.view(B, T, self.n_head, d).transpose(1, 2) for t in self.qkv(x).split(C, dim=2))
            scores = q @ k.transpose(-2, -1) / math.sqrt(d if scale_by_head else C)   # (B, heads, T, T)
            t = torch.arange(T, device=x.device)[:, None]
            s = torch.arange(T, device=x.device)[None, :]
            allowed = (s <= t) & (s > t - self.window)                    # causal, and at most window back
            weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
            y = (weights @ v).transpose(1, 2).reshape(B, T, C)
            return self.proj(y)

    return LocalSelfAttention


def exercise_e():
    """Sliding-window causal self-attention (as in Longformer and Mistral).

    It is the attention of section 5 with one more condition in the mask: position t sees
    position s only if s <= t (causal) and s > t - window (at most window positions, itself
    included). Everything else (the qkv projection, the heads, the 1/sqrt(d) scale with d
    the width of one head, the output projection) stays as it was, so the package's
    weights load into it and, with a window as long as the block, it is the same attention.
    Each layer sees only `window` positions back, but two stacked layers see twice as far.
    """
    return _local_attention(scale_by_head=True)


def wrong_e():
    """Scales the scores by the square root of the whole width C instead of one head's width d."""
    return _local_attention(scale_by_head=False)
