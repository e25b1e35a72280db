"""Worked solutions for the exercises of notebooks/04_speech/02_recognition.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("04_speech.02.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch


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


def exercise_e():
    """A bidirectional GRU reads the frames forwards and backwards; each frame's two states, side by side, go
    through a linear layer to blank + the symbols, then a log-softmax: what F.ctc_loss wants."""
    import torch.nn as nn
    import torch.nn.functional as F

    class BiGRURecognizer(nn.Module):
        def __init__(self, n_features, n_symbols):
            super().__init__()
            self.gru = nn.GRU(n_features, 32, batch_first=True, bidirectional=True)
            self.head = nn.Linear(2 * 32, n_symbols + 1)

        def forward(self, x):                        # (B, T, n_features) -> (B, T, n_symbols + 1)
            out, _ = self.gru(x)                     # (B, T, 64)
            return F.log_softmax(self.head(out), dim=-1)

    return BiGRURecognizer


def wrong_e():
    """A one-directional GRU: every frame hears only the past, so a letter cannot be spelled from what follows."""
    import torch.nn as nn
    import torch.nn.functional as F

    class BiGRURecognizer(nn.Module):
        def __init__(self, n_features, n_symbols):
            super().__init__()
            self.gru = nn.GRU(n_features, 32, batch_first=True)
            self.head = nn.Linear(32, n_symbols + 1)

        def forward(self, x):
            out, _ = self.gru(x)
            return F.log_softmax(self.head(out), dim=-1)

    return BiGRURecognizer
