"""Checks for the exercises of notebooks/02_text/03_summarisation.

Each check runs the learner's function on token lists or graphs made up here and
compares it with the package's own ``aigc_lab.text.rouge`` and
``aigc_lab.text.textrank`` (themselves tested against hand-worked examples, the
``rouge-score`` package and a closed-form PageRank), so the notebook never holds
the answer.
"""
from __future__ import annotations

import random

import numpy as np

from . import exercise

_WORDS = "the a cat dog sat on mat log red".split()


def _random_pairs(seed: int, n: int = 60):
    """Short token lists over a tiny vocabulary, so repeated words and repeated bigrams are common."""
    rng = random.Random(seed)
    for _ in range(n):
        yield ([rng.choice(_WORDS) for _ in range(rng.randint(0, 10))],
               [rng.choice(_WORDS) for _ in range(rng.randint(1, 10))])


@exercise("02_text.03.a", kind="function",
          hint="Count the bigrams of each side with a Counter of tuples; a bigram matches at most as many times as "
               "it occurs in the *reference* and in the candidate (min of the two counts). Return (precision, recall, f1), "
               "with 0 where a denominator is 0.")
def _rouge2(answer) -> bool:
    from ..text.rouge import rouge_n

    repeated = [("the cat the cat the cat".split(), "the cat sat".split()),      # (the cat) matches once only
                ("a dog".split(), "a dog a dog a dog".split()), (["a"], ["a"]), ([], "the cat".split())]
    for cand, ref in repeated + list(_random_pairs(0)):
        reference = rouge_n(cand, ref, 2)
        mine = answer(list(cand), list(ref))
        if not isinstance(mine, (tuple, list)) or len(mine) != 3:
            return False
        if not np.allclose([float(m) for m in mine], [reference.precision, reference.recall, reference.f1], atol=1e-9):
            return False
    return True


@exercise("02_text.03.b", kind="function",
          hint="Fill a (len(a)+1) x (len(b)+1) table: when a[i-1] == b[j-1] take the diagonal + 1, otherwise the larger "
               "of the cell above and the cell to the left. The words need not be next to each other.")
def _lcs(answer) -> bool:
    from ..text.rouge import lcs_length

    pairs = list(_random_pairs(1)) + [("a b c d e".split(), "a c e b".split()), ([], ["a"]), (["a"], [])]
    return all(int(answer(list(a), list(b))) == lcs_length(a, b) for a, b in pairs)


def _personalised_pagerank_closed_form(w: np.ndarray, d: float, prior: np.ndarray) -> np.ndarray:
    """The fixed point of score = (1 - d) prior + d T^T score, solved directly: (I - d T^T) score = (1 - d) prior."""
    n = len(w)
    out = w.sum(axis=1, keepdims=True)
    transition = np.where(out > 0, w / np.where(out > 0, out, 1), 1.0 / n)    # a row of zeros jumps anywhere
    return np.linalg.solve(np.eye(n) - d * transition.T, (1 - d) * prior)


@exercise("02_text.03.c", kind="function",
          hint="Start from the power iteration of section 3 (my_pagerank): the same transition matrix T (a row of zeros "
               "jumps to every node with probability 1/n) and the same loop, but the random jump lands on node i with "
               "probability prior[i] instead of 1/n: score = (1 - d) * prior + d * T.T @ score, repeated until it stops changing.")
def _personalised_pagerank(answer) -> bool:
    rng = np.random.default_rng(2)
    for n in (3, 5, 8):
        w = rng.random((n, n)) * (rng.random((n, n)) < 0.7)
        w = (w + w.T) / 2
        np.fill_diagonal(w, 0)
        w[0, :] = w[:, 0] = 0                      # an isolated sentence
        for prior in (np.full(n, 1.0 / n), 1.0 / np.arange(1, n + 1), rng.random(n)):
            prior = prior / prior.sum()
            mine = np.asarray(answer(w.copy(), 0.85, prior.copy()), dtype=float)
            if mine.shape != (n,) or not np.allclose(mine, _personalised_pagerank_closed_form(w, 0.85, prior), atol=1e-6):
                return False
    return True
