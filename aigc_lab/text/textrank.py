"""Extractive summarisation: TextRank over sentence similarity (Mihalcea and Tarau, 2004), and the lead baseline.

An extractive summary copies whole sentences out of the document.  TextRank picks
the sentences that are most *central*: it builds a graph whose nodes are sentences
and whose edge weights are how much two sentences share, then runs PageRank on it.
A sentence that shares words with many other sentences collects a high score.

    similarity(a, b) = |words in both| / (log |a| + log |b|)        section 4 of the paper
    score = (1 - d) / n + d * W_norm^T score                          PageRank, damping d = 0.85

where W_norm divides each row of the similarity matrix by its sum (a random walker
on sentence i moves to sentence j with probability W[i, j] / sum_k W[i, k]).

    ranked = textrank(sentences)                 # sentence indices, most central first
    summary = extract(sentences, ranked, k=1)    # the top k, back in reading order
    baseline = lead(sentences, k=1)              # the first k sentences

``tests/test_summarisation.py`` checks ``pagerank`` against the closed-form solution
of the same linear system (``numpy.linalg.solve``).
"""
from __future__ import annotations

import math

import numpy as np

# Words that carry no content: leaving them out keeps "the" and "." from linking every sentence to every other.
STOP_WORDS = frozenset(
    "a an the of in on at to for from by with and or but is was were are be been has had have it its this that "
    "these those as than then there their they he she his her we our you your i after before over next last "
    "would will said says who which what when where , . ; : - ' \"".split())


def content_words(sentence) -> list[str]:
    """Lower-cased tokens of a sentence (a string or a token list) without stop words and punctuation."""
    tokens = sentence.lower().split() if isinstance(sentence, str) else [t.lower() for t in sentence]
    return [t for t in tokens if t not in STOP_WORDS]


def overlap_similarity(a, b) -> float:
    """Mihalcea and Tarau's sentence similarity: shared content words over the log lengths.

    0 when either sentence has fewer than two content words (log 1 = 0 would divide by zero).
    """
    words_a, words_b = content_words(a), content_words(b)
    if len(words_a) < 2 or len(words_b) < 2:
        return 0.0
    shared = len(set(words_a) & set(words_b))
    return shared / (math.log(len(words_a)) + math.log(len(words_b)))


def similarity_matrix(sentences, similarity=overlap_similarity) -> np.ndarray:
    """(n, n) symmetric matrix of pairwise similarities with a zero diagonal (no self-loops)."""
    n = len(sentences)
    w = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            w[i, j] = w[j, i] = similarity(sentences[i], sentences[j])
    return w


def pagerank(weights: np.ndarray, damping: float = 0.85, *, tol: float = 1e-10, max_iter: int = 200) -> np.ndarray:
    """PageRank of a weighted graph by power iteration; the scores sum to 1.

    A node with no edges (a row of zeros) jumps to every node with equal probability,
    so the walk never gets stuck.
    """
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    if n == 0:
        return np.zeros(0)
    out = w.sum(axis=1, keepdims=True)
    transition = np.where(out > 0, w / np.where(out > 0, out, 1), 1.0 / n)   # (n, n), each row sums to 1
    score = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = (1 - damping) / n + damping * transition.T @ score
        if np.abs(new - score).sum() < tol:
            return new
        score = new
    return score


def textrank(sentences, *, damping: float = 0.85, similarity=overlap_similarity) -> list[int]:
    """Sentence indices ordered from the most central to the least (ties: earlier sentence first)."""
    scores = pagerank(similarity_matrix(sentences, similarity), damping)
    return sorted(range(len(sentences)), key=lambda i: (-scores[i], i))


def textrank_scores(sentences, *, damping: float = 0.85, similarity=overlap_similarity) -> np.ndarray:
    """The PageRank score of every sentence, in reading order (for plots)."""
    return pagerank(similarity_matrix(sentences, similarity), damping)


def extract(sentences, ranked, k: int = 1) -> list[str]:
    """The top ``k`` sentences of a ranking, put back in reading order."""
    return [sentences[i] for i in sorted(ranked[:k])]


def lead(sentences, k: int = 1) -> list[str]:
    """The lead baseline: the first ``k`` sentences (news puts the main fact first, often)."""
    return list(sentences[:k])
