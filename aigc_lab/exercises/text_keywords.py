"""Checks for the exercises of notebooks/02_text/07_keywords.

Each check compares the learner's function with the package's own implementation
(``keywords.pagerank``, ``keywords.keyphrases``) or scikit-learn's ``TfidfVectorizer`` on
inputs made up here, so the notebook never holds the answer.  (02_text.07.a, one BM25 weight,
is retired: the notebook now writes BM25 on screen.)
"""
from __future__ import annotations

import numpy as np

from . import exercise


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


@exercise("02_text.07.d", kind="function",
          hint="Start from the on-screen TF-IDF of section 2. Count df over train_docs; drop every word whose df is "
               "above max_df * len(train_docs); sort the rest (that is the vocabulary); idf as on screen; in each "
               "document use 1 + ln(count) instead of the count, skip words outside the vocabulary, and divide each "
               "row by its Euclidean length (a row of zeros stays zero).")
def _tfidf_vectoriser(answer) -> bool:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from ..data.text import summary_documents

    corpus = summary_documents(200, 20, seed=5)
    train_docs = [d.text.lower().split() for d in corpus.train]
    docs = [d.text.lower().split() for d in corpus.test] + [[], ["unseen", "words", "only"]]
    for max_df in (1.0, 0.5, 0.1):
        reference = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, max_df=max_df).fit(train_docs)
        got = answer([list(d) for d in train_docs], [list(d) for d in docs], max_df)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return False
        vocab, matrix = got
        if list(vocab) != list(reference.get_feature_names_out()):
            return False
        matrix = np.asarray(matrix, dtype=float)
        expected = reference.transform(docs).toarray()
        if matrix.shape != expected.shape or not np.allclose(matrix, expected, atol=1e-9):
            return False
    return True
