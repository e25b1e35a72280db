"""Worked solutions for the exercises of notebooks/02_text/04_translation.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("02_text.04.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import math

import numpy as np
import torch


def exercise_a():
    """The E-step of IBM Model 1 for one sentence pair.

    Rows of ``t_sub`` are the source positions (NULL first), columns the target words,
    entries t(f_j | e_i). The model says target word j came from one source position
    chosen uniformly, so p(a_j = i | pair) is t(f_j | e_i) divided by the sum over all
    source positions: normalise each *column*.
    """
    def alignment_posterior(t_sub):
        t_sub = np.asarray(t_sub, dtype=float)
        return t_sub / t_sub.sum(axis=0, keepdims=True)

    return alignment_posterior


def wrong_a():
    """Normalises each row instead (over target words): a distribution over *what e produced*, not *where f came from*."""
    def alignment_posterior(t_sub):
        t_sub = np.asarray(t_sub, dtype=float)
        return t_sub / t_sub.sum(axis=1, keepdims=True)

    return alignment_posterior


def exercise_b():
    """BLEU's brevity penalty (Papineni et al., 2002).

    Precision alone would reward a short output that says little, so BLEU multiplies by
    exp(1 - r / c) when the output length c is shorter than the reference length r, and
    by 1 otherwise. An empty output has no precision to speak of and gets 0.
    """
    def brevity_penalty(hyp_len, ref_len):
        if hyp_len == 0:
            return 0.0
        return 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)

    return brevity_penalty


def wrong_b():
    """Swaps the ratio: exp(1 - c / r) penalises too gently (and rewards nothing for long outputs either)."""
    def brevity_penalty(hyp_len, ref_len):
        if hyp_len == 0:
            return 0.0
        return 1.0 if hyp_len > ref_len else math.exp(1 - hyp_len / ref_len)

    return brevity_penalty


def _attention(att, query, source, not_pad):
    """Multi-head attention with the weights of a package MultiHeadAttention; not_pad (B, S) True at real words."""
    B, T, d = query.shape
    heads = att.n_heads

    def split(x):
        return x.view(B, -1, heads, d // heads).transpose(1, 2)                  # (B, heads, L, d_head)

    q, k, v = split(att.q(query)), split(att.k(source)), split(att.v(source))
    scores = q @ k.transpose(-2, -1) / math.sqrt(d // heads)                     # (B, heads, T, S)
    scores = scores.masked_fill(~not_pad[:, None, None, :], float("-inf"))
    out = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, T, d)
    return att.proj(out)


def exercise_d():
    """A pre-LN Transformer encoder layer, with the weights of a package EncoderLayer.

    The decoder layer of the notebook without its cross-attention, and with self-attention
    that may look both ways (no causal mask): only the padding of the source is hidden.
    """
    def encoder_layer(layer, x, src_pad):
        h = layer.ln1(x)
        x = x + _attention(layer.attn, h, h, ~src_pad)                          # (B, S, d)
        return x + layer.ff[2](torch.relu(layer.ff[0](layer.ln2(x))))

    return encoder_layer


def wrong_d():
    """Forgets the padding mask: every word also attends to the <pad> positions of short sentences."""
    def encoder_layer(layer, x, src_pad):
        h = layer.ln1(x)
        everything = torch.ones_like(src_pad)
        x = x + _attention(layer.attn, h, h, everything)
        return x + layer.ff[2](torch.relu(layer.ff[0](layer.ln2(x))))

    return encoder_layer
