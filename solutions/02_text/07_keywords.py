"""Worked solutions for the exercises of notebooks/02_text/07_keywords.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("02_text.07.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np


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


def exercise_d():
    """A TF-IDF vectoriser with sublinear tf and a max_df cut, as scikit-learn's TfidfVectorizer computes it.

    Words in more than max_df of the documents say nothing about any one of them (scikit-learn drops
    df > max_df * n). A word said ten times is not ten times as telling: 1 + ln(tf) grows slowly.
    """
    def tfidf_matrix(train_docs, docs, max_df):
        n = len(train_docs)
        df = Counter(t for doc in train_docs for t in set(doc))
        vocab = sorted(t for t, d in df.items() if d <= max_df * n)
        index = {t: i for i, t in enumerate(vocab)}
        idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in vocab])
        x = np.zeros((len(docs), len(vocab)))
        for row, doc in enumerate(docs):
            for t, count in Counter(t for t in doc if t in index).items():
                x[row, index[t]] = (1 + math.log(count)) * idf[index[t]]
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return vocab, x / np.where(norms == 0, 1, norms)

    return tfidf_matrix


def wrong_d():
    """Keeps the raw counts: the sublinear 1 + ln(tf) is forgotten."""
    def tfidf_matrix(train_docs, docs, max_df):
        n = len(train_docs)
        df = Counter(t for doc in train_docs for t in set(doc))
        vocab = sorted(t for t, d in df.items() if d <= max_df * n)
        index = {t: i for i, t in enumerate(vocab)}
        idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in vocab])
        x = np.zeros((len(docs), len(vocab)))
        for row, doc in enumerate(docs):
            for t, count in Counter(t for t in doc if t in index).items():
                x[row, index[t]] = count * idf[index[t]]
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return vocab, x / np.where(norms == 0, 1, norms)

    return tfidf_matrix
