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


def exercise_c():
    """One step of beam search.

    Each of the k hypotheses can be extended by any of the V words, so there are k * V
    candidates whose score is the hypothesis's score plus the word's log-probability.
    Flatten that (k, V) table, keep its k largest entries, and recover which hypothesis
    and which word each came from with ``divmod(flat_index, V)``.
    """
    def beam_step(scores, log_probs, k):
        total = scores[:, None] + log_probs                  # (k, V)
        best = total.flatten().topk(k)
        vocab = total.size(1)
        return [(*divmod(int(i), vocab), float(v)) for v, i in zip(best.values, best.indices)]

    return beam_step


def wrong_c():
    """Extends only the best hypothesis with its k best words: that is greedy search with extra steps."""
    def beam_step(scores, log_probs, k):
        origin = int(torch.argmax(scores))
        values, tokens = (scores[origin] + log_probs[origin]).topk(k)
        return [(origin, int(t), float(v)) for v, t in zip(values, tokens)]

    return beam_step
