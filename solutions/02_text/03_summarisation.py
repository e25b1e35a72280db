"""Worked solutions for the exercises of notebooks/02_text/03_summarisation.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("02_text.03.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

from collections import Counter

import numpy as np


def exercise_a():
    """ROUGE-2 with clipped counts.

    Count every bigram of each side in a Counter keyed by the (word, next word) tuple.
    ``Counter & Counter`` keeps, for each bigram, the smaller of its two counts: a
    bigram the reference holds once can be matched once, however often the candidate
    repeats it. Precision divides the overlap by the candidate's bigrams, recall by
    the reference's, and F1 is their harmonic mean (0 when both are 0).
    """
    def rouge2(candidate, reference):
        cand = Counter(zip(candidate, candidate[1:]))
        ref = Counter(zip(reference, reference[1:]))
        overlap = sum((cand & ref).values())
        precision = overlap / sum(cand.values()) if cand else 0.0
        recall = overlap / sum(ref.values()) if ref else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    return rouge2


def wrong_a():
    """Forgets clipping: every candidate bigram found anywhere in the reference counts, however often it repeats."""
    def rouge2(candidate, reference):
        cand = list(zip(candidate, candidate[1:]))
        ref = list(zip(reference, reference[1:]))
        overlap = sum(1 for b in cand if b in set(ref))
        precision = overlap / len(cand) if cand else 0.0
        recall = min(1.0, overlap / len(ref)) if ref else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    return rouge2


def exercise_b():
    """Longest common subsequence by dynamic programming.

    ``table[i][j]`` is the LCS length of ``a[:i]`` and ``b[:j]``. If the last words match,
    they extend the best LCS of both prefixes (diagonal + 1); otherwise one of the two
    last words is not part of it, so take the better of dropping either. The answer is
    the bottom-right cell. Only one previous row is needed at a time.
    """
    def lcs(a, b):
        previous = [0] * (len(b) + 1)
        for i in range(1, len(a) + 1):
            current = [0] * (len(b) + 1)
            for j in range(1, len(b) + 1):
                current[j] = previous[j - 1] + 1 if a[i - 1] == b[j - 1] else max(previous[j], current[j - 1])
            previous = current
        return previous[-1]

    return lcs


def wrong_b():
    """Longest common *substring* (contiguous), a frequent confusion: resets to 0 on a mismatch."""
    def lcs(a, b):
        best, previous = 0, [0] * (len(b) + 1)
        for i in range(1, len(a) + 1):
            current = [0] * (len(b) + 1)
            for j in range(1, len(b) + 1):
                if a[i - 1] == b[j - 1]:
                    current[j] = previous[j - 1] + 1
                    best = max(best, current[j])
            previous = current
        return best

    return lcs


def exercise_e():
    """Personalised PageRank by power iteration (position-biased TextRank).

    The walk is the one of section 3: row-normalised edge weights, a node without edges
    moving anywhere with probability 1/n. Only the random jump changes: with probability
    1 - d the walker restarts at node i with probability prior[i] instead of 1/n. So
    score <- (1 - d) * prior + d * T^T score, repeated until the change is tiny. A prior
    that favours early sentences pulls the ranking towards the lead, as news editors do.
    """
    def pagerank(weights, damping, prior):
        w = np.asarray(weights, dtype=float)
        n = len(w)
        out = w.sum(axis=1, keepdims=True)
        transition = np.where(out > 0, w / np.where(out > 0, out, 1), 1.0 / n)
        score = np.full(n, 1.0 / n)
        for _ in range(1000):
            new = (1 - damping) * prior + damping * transition.T @ score
            if np.abs(new - score).sum() < 1e-12:
                break
            score = new
        return new

    return pagerank


def wrong_e():
    """Puts the prior in the wrong place: keeps the uniform jump (1 - d)/n and multiplies the walk's share by the prior."""
    def pagerank(weights, damping, prior):
        w = np.asarray(weights, dtype=float)
        n = len(w)
        out = w.sum(axis=1, keepdims=True)
        transition = np.where(out > 0, w / np.where(out > 0, out, 1), 1.0 / n)
        score = np.full(n, 1.0 / n)
        for _ in range(1000):
            new = (1 - damping) / n + damping * prior * (transition.T @ score)
            new = new / new.sum()
            if np.abs(new - score).sum() < 1e-12:
                break
            score = new
        return new

    return pagerank


def _luong(use_mask: bool):
    import torch

    def attention(query, memory, mask, W):
        scores = ((query @ W)[:, None, :] * memory).sum(dim=-1)           # (B, S): h^T W m_s
        if use_mask:
            scores = scores.masked_fill(~mask, float("-inf"))            # padding gets weight 0
        weights = torch.softmax(scores, dim=-1)                           # (B, S)
        context = (weights[:, :, None] * memory).sum(dim=1)               # (B, 2h)
        return weights, context

    return attention


def exercise_d():
    """Multiplicative ("general") attention of Luong et al. (2015): e_s = h^T W m_s.

    Project the decoder state once (query @ W, shape (B, 2h)) and take its dot product with every
    memory vector; that replaces the additive score's tanh layer and v. Padding is masked to -inf
    before the softmax, as in the on-screen step, and the context is the weighted sum of the memory.
    """
    return _luong(use_mask=True)


def wrong_d():
    """Forgets the padding mask, so short stories spread attention over <pad> positions."""
    return _luong(use_mask=False)
