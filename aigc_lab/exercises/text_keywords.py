"""Checks for the exercises of notebooks/02_text/07_keywords.

Each check compares the learner's function with the package's own implementation
(``keywords.BM25``, ``keywords.pagerank``, ``keywords.keyphrases``) on inputs made up
here, so the notebook never holds the answer.
"""
from __future__ import annotations

import numpy as np

from . import exercise


@exercise("02_text.07.a", kind="function",
          hint="Two factors: idf = ln(1 + (n - df + 0.5) / (df + 0.5)), and a saturating term frequency "
               "tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avgdl)). Multiply them.")
def _bm25_weight(answer) -> bool:
    from ..text.keywords import BM25

    rng = np.random.default_rng(0)
    for _ in range(40):
        n = int(rng.integers(2, 500))
        df = int(rng.integers(1, n + 1))
        doc_len = int(rng.integers(1, 60))
        tf = int(rng.integers(1, doc_len + 1))
        avgdl = float(rng.uniform(5, 40))
        k1, b = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0, 1))
        reference = BM25(k1=k1, b=b)
        reference.n, reference.avgdl, reference.df = n, avgdl, {"t": df}
        expected = reference.weights(["t"] * tf + ["other"] * (doc_len - tf))["t"]
        if not np.isclose(float(answer(tf, df, n, doc_len, avgdl, k1=k1, b=b)), expected, rtol=1e-9):
            return False
    return True


def _graphs():
    rng = np.random.default_rng(1)
    for V in (2, 5, 9):
        w = rng.random((V, V)) * (rng.random((V, V)) < 0.6)
        w = np.triu(w, 1)
        w = w + w.T                                  # undirected, like a co-occurrence graph
        if V > 2:
            w[-1, :] = w[:, -1] = 0                  # one isolated word
        yield w
    yield np.array([[0, 3, 0], [3, 0, 1], [0, 1, 0]], dtype=float)   # a path with unequal weights


@exercise("02_text.07.b", kind="function",
          hint="Build M by dividing each column of the weights by its sum (a column of zeros becomes 1/V), then "
               "solve (I - damping * M) r = (1 - damping) / V with np.linalg.solve.")
def _pagerank_exact(answer) -> bool:
    from ..text.keywords import pagerank

    for w in _graphs():
        for damping in (0.85, 0.5):
            expected = pagerank(w, damping, iterations=10_000, tol=1e-15)
            mine = np.asarray(answer(w.copy(), damping), dtype=float)
            if mine.shape != expected.shape or not np.allclose(mine, expected, atol=1e-9):
                return False
    return True


@exercise("02_text.07.c", kind="function",
          hint="Scan the lower-cased tokens; collect a run while tokens are keywords; when the run breaks (or the "
               "text ends) join it with spaces. Keep each phrase once, in order of first appearance.")
def _keyphrases(answer) -> bool:
    from ..text.keywords import keyphrases

    cases = [
        ("Acme Labs opened a factory in New York . Acme Labs said New York was ideal", {"acme", "labs", "york", "new"}),
        ("robot robot parts . parts", {"robot", "parts"}),
        ("nothing here", {"absent"}),
        ("Cape Town beat Lima . Lima lost in Cape Town", {"cape", "town", "lima", "beat"}),
    ]
    for text, words in cases:
        tokens = text.split()
        if list(answer(list(tokens), set(words))) != keyphrases(tokens, words):
            return False
    return True
