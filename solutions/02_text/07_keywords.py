"""Worked solutions for the exercises of notebooks/02_text/07_keywords.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("02_text.07.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import math

import numpy as np


def exercise_a():
    """One word's BM25 weight in one document.

    The idf part, ln(1 + (n - df + 0.5) / (df + 0.5)), is large for rare words and never
    negative. The term-frequency part, tf (k1 + 1) / (tf + k1 (1 - b + b |d| / avgdl)),
    grows with tf but saturates at k1 + 1, and a document longer than average needs more
    occurrences for the same weight (how much more is set by b).
    """
    def bm25_weight(tf, df, n, doc_len, avgdl, k1=1.5, b=0.75):
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avgdl))

    return bm25_weight


def wrong_a():
    """The original Robertson-Sparck Jones idf without the "1 +": negative for words in over half the documents."""
    def bm25_weight(tf, df, n, doc_len, avgdl, k1=1.5, b=0.75):
        idf = math.log((n - df + 0.5) / (df + 0.5))
        return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avgdl))

    return bm25_weight


def exercise_b():
    """PageRank in closed form.

    The fixed point of the power iteration satisfies r = (1 - d)/V + d M r, a linear
    system (I - d M) r = (1 - d)/V with M the column-normalised weights (a node with no
    edges gets a uniform column). For d < 1 the matrix is invertible, so one solve gives r.
    """
    def pagerank_exact(weights, damping):
        weights = np.asarray(weights, dtype=float)
        V = len(weights)
        out = weights.sum(axis=0)
        M = np.where(out > 0, weights / np.where(out > 0, out, 1), 1.0 / V)
        return np.linalg.solve(np.eye(V) - damping * M, np.full(V, (1 - damping) / V))

    return pagerank_exact


def wrong_b():
    """Normalises rows instead of columns: a walker's choices must sum to one over where it goes."""
    def pagerank_exact(weights, damping):
        weights = np.asarray(weights, dtype=float)
        V = len(weights)
        out = weights.sum(axis=1, keepdims=True)
        M = np.where(out > 0, weights / np.where(out > 0, out, 1), 1.0 / V)
        return np.linalg.solve(np.eye(V) - damping * M, np.full(V, (1 - damping) / V))

    return pagerank_exact


def exercise_c():
    """Join adjacent keywords into key phrases, TextRank's post-processing step.

    Scan the lower-cased tokens, extending a run while each token is a keyword; when a
    non-keyword (or the end) breaks the run, the run joined by spaces is one phrase. A
    list remembers first appearances, and a phrase seen before is not added again.
    """
    def merge_adjacent(tokens, keywords):
        phrases, run = [], []
        for token in [t.lower() for t in tokens] + [None]:
            if token is not None and token in keywords:
                run.append(token)
                continue
            if run and " ".join(run) not in phrases:
                phrases.append(" ".join(run))
            run = []
        return phrases

    return merge_adjacent


def wrong_c():
    """Forgets to lower-case the tokens, so capitalised keywords ("Acme") are never matched."""
    def merge_adjacent(tokens, keywords):
        phrases, run = [], []
        for token in list(tokens) + [None]:
            if token is not None and token in keywords:
                run.append(token)
                continue
            if run and " ".join(run) not in phrases:
                phrases.append(" ".join(run))
            run = []
        return phrases

    return merge_adjacent
