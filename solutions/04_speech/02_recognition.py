"""Worked solutions for the exercises of notebooks/04_speech/02_recognition.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("04_speech.02.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch


def exercise_a():
    """The forward algorithm in log space: alpha_0 = log pi + log b_0, then
    alpha_t(j) = logsumexp_i(alpha_{t-1}(i) + log A[i, j]) + log b_t(j), and log p(x) = logsumexp_j alpha_T(j).

    Working in logs keeps hundreds of tiny probabilities from underflowing to zero;
    logsumexp is the log of a sum of exponentials, computed stably.
    """
    def forward_log_likelihood(log_pi, log_A, log_b):
        alpha = log_pi + log_b[0]
        for t in range(1, len(log_b)):
            alpha = torch.logsumexp(alpha[:, None] + log_A, dim=0) + log_b[t]
        return torch.logsumexp(alpha, dim=0)

    return forward_log_likelihood


def wrong_a():
    """Uses max instead of logsumexp: that is Viterbi's score of the single best path, not p(x)."""
    def forward_log_likelihood(log_pi, log_A, log_b):
        alpha = log_pi + log_b[0]
        for t in range(1, len(log_b)):
            alpha = (alpha[:, None] + log_A).max(dim=0).values + log_b[t]
        return alpha.max()

    return forward_log_likelihood


def exercise_b():
    """Greedy (best path) CTC decoding: argmax per frame, merge repeats, then drop blanks.

    The order matters: "a - a" is two a's (the blank separates them), "a a" is one.
    """
    def greedy(log_probs):
        out, previous = [], None
        for symbol in log_probs.argmax(dim=-1).tolist():
            if symbol != previous and symbol != 0:
                out.append(symbol)
            previous = symbol
        return out

    return greedy


def wrong_b():
    """Drops the blanks before merging repeats, so "a - a" wrongly becomes one "a"."""
    def greedy(log_probs):
        out = []
        for symbol in (s for s in log_probs.argmax(dim=-1).tolist() if s != 0):
            if not out or symbol != out[-1]:
                out.append(symbol)
        return out

    return greedy


def exercise_c():
    """Levenshtein distance by dynamic programming, one row of the table at a time.

    D[i][j] = min(D[i-1][j] + 1, D[i][j-1] + 1, D[i-1][j-1] + (ref[i-1] != hyp[j-1])).
    """
    def edit_distance(ref, hyp):
        previous = list(range(len(hyp) + 1))
        for i, r in enumerate(ref, start=1):
            current = [i]
            for j, h in enumerate(hyp, start=1):
                current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
            previous = current
        return previous[-1]

    return edit_distance


def wrong_c():
    """Counts positions that differ (the Hamming distance plus the length difference): an insertion early on
    shifts everything after it and is counted many times."""
    def edit_distance(ref, hyp):
        return sum(r != h for r, h in zip(ref, hyp)) + abs(len(ref) - len(hyp))

    return edit_distance


def exercise_d():
    """CTC emits at most one new character per frame, and two equal neighbours ("ee", "ll") need a blank
    frame between them (otherwise they merge): 24 characters + 2 blanks = 26 frames."""
    text = "three hundred and eleven"
    return len(text) + sum(a == b for a, b in zip(text, text[1:]))


def wrong_d():
    """Counts only the characters, forgetting the blanks that separate repeated letters."""
    return len("three hundred and eleven")
