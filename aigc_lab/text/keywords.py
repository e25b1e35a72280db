"""Keyword extraction three ways: TF-IDF, BM25 and TextRank, written out.

Which words of a document say what it is about?  Three classic answers:

    TF-IDF     words frequent in this document and rare in the collection (Sparck Jones 1972)
    BM25       the same idea with term frequency that saturates and documents of different
               lengths made comparable (Robertson et al., Okapi BM25, 1994)
    TextRank   words central in the document's own word co-occurrence graph, found by
               PageRank (Mihalcea and Tarau 2004); it needs no other documents at all

    tfidf = TfidfKeywords().fit(documents)                  # documents: lists of tokens
    tfidf.keywords(document, k=5)                           # [(word, score), ...] best first
    BM25().fit(documents).keywords(document, k=5)
    textrank_keywords(document, k=5)

Only *candidate* words compete: lower-cased tokens with a letter in them that are not
stop words ("the", "of", "said").  ``tests/test_keywords.py`` checks TfidfKeywords
against scikit-learn's ``TfidfVectorizer``, BM25 against a worked example computed by
hand and against ``rank_bm25`` (whose idf differs: see :class:`BM25`), and :func:`pagerank`
against the closed-form solution of its linear system.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

# Function words and reporting verbs that carry no topic of their own.
STOP_WORDS = frozenset("""
a about above after again against all already also am an and any are as at be because been before being below
between both but by can could did do does doing down during each either for from further had has have having he
her here hers him his how i if in into is it its itself just last less like made make many may me more most much
must my near next no nor not now of off on once one only or other our out over own per same she should since so
some such than that the their them then there these they this those through to too two under until up very was
we were what when where which while who whom why will with would yet you your said says say told would will new
""".split())


def candidates(tokens) -> list[str]:
    """The words allowed to be keywords, in order: lower-cased, with a letter, not a stop word."""
    words = (t.lower() for t in tokens)
    return [w for w in words if any(c.isalpha() for c in w) and w not in STOP_WORDS]


def top_k(scores: dict[str, float], k: int) -> list[tuple[str, float]]:
    """The ``k`` best (word, score) pairs, highest score first; ties broken alphabetically."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]


# --------------------------------------------------------------------------- TF-IDF
class TfidfKeywords:
    """TF-IDF with scikit-learn's formulas (``TfidfVectorizer`` defaults), and keywords from it.

    tf(t, d)  how many times token t occurs in document d (``sublinear_tf``: 1 + ln tf)
    idf(t)    ln((1 + n) / (1 + df(t))) + 1  with ``smooth_idf``;  ln(n / df(t)) + 1 without
    x(d)      tf(d) * idf, divided by its Euclidean length (the length does not change a ranking)
    """

    def __init__(self, *, smooth_idf: bool = True, sublinear_tf: bool = False):
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf
        self.vocab: list[str] = []
        self.idf: np.ndarray | None = None

    def fit(self, documents) -> "TfidfKeywords":
        """Learn the vocabulary (sorted, as scikit-learn does) and each token's idf from ``documents``."""
        n = len(documents)
        df = Counter(t for doc in documents for t in set(doc))           # documents containing each token
        self.vocab = sorted(df)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        df = np.array([df[w] for w in self.vocab], dtype=np.float64)
        if self.smooth_idf:       # as if one extra document contained every word once: no division by zero
            self.idf = np.log((1 + n) / (1 + df)) + 1
        else:
            self.idf = np.log(n / df) + 1
        return self

    def weights(self, document) -> dict[str, float]:
        """{token: tf-idf weight} of one document, before normalisation; unseen tokens are skipped."""
        if self.idf is None:
            raise RuntimeError("call fit(documents) first")
        tf = Counter(t for t in document if t in self.index)
        return {t: (1 + math.log(c) if self.sublinear_tf else c) * self.idf[self.index[t]] for t, c in tf.items()}

    def transform(self, documents) -> np.ndarray:
        """(documents, vocabulary) rows of unit length: the matrix ``TfidfVectorizer`` returns, dense."""
        x = np.zeros((len(documents), len(self.vocab)))
        for row, doc in enumerate(documents):
            for t, w in self.weights(doc).items():
                x[row, self.index[t]] = w
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return x / np.where(norms == 0, 1, norms)

    def keywords(self, document, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` candidate words of ``document`` with the highest tf-idf."""
        allowed = set(candidates(document))
        weights = self.weights([t.lower() for t in document])
        return top_k({t: w for t, w in weights.items() if t in allowed}, k)


# --------------------------------------------------------------------------- BM25
class BM25:
    """Okapi BM25: a retrieval score, here also used to weight each word of a document.

    For a word t in document d with |d| tokens, the collection's average length avgdl and n documents:

        idf(t)      = ln(1 + (n - df(t) + 0.5) / (df(t) + 0.5))            (never negative)
        weight(t,d) = idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))

    The tf part rises quickly and then saturates at k1 + 1: the tenth "robot" adds little.
    ``b`` scales how much a long document's counts are discounted (0: not at all, 1: fully).
    The score of a query is the sum of its words' weights, a repeated query word counting each time
    (:meth:`scores`); an empty document scores 0.

    This idf is Lucene's.  ``rank_bm25``'s ``BM25Okapi`` uses ln((n - df(t) + 0.5) / (df(t) + 0.5)),
    which is negative for a word in more than half the documents, and replaces those values by
    ``epsilon`` (0.25) times the mean idf; the rest of its formula is the one above (with b = 1 it
    gives nan for an empty document).  tests/test_keywords.py checks that BM25Okapi given this idf
    scores exactly as :meth:`scores` does.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self.documents: list[list[str]] = []

    def fit(self, documents) -> "BM25":
        self.documents = [list(doc) for doc in documents]
        self.n = len(self.documents)
        self.avgdl = sum(len(d) for d in self.documents) / self.n
        self.df = Counter(t for doc in self.documents for t in set(doc))
        return self

    def idf(self, token: str) -> float:
        df = self.df.get(token, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def weights(self, document) -> dict[str, float]:
        """{token: BM25 weight} of every token of ``document`` (which need not be in the collection)."""
        length_norm = 1 - self.b + self.b * len(document) / self.avgdl
        return {t: self.idf(t) * tf * (self.k1 + 1) / (tf + self.k1 * length_norm)
                for t, tf in Counter(document).items()}

    def scores(self, query) -> np.ndarray:
        """(n,) the BM25 score of the query against every fitted document: sum of its words' weights."""
        out = np.zeros(self.n)
        for i, doc in enumerate(self.documents):
            w = self.weights(doc)
            out[i] = sum(w.get(t, 0.0) for t in query)
        return out

    def keywords(self, document, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` candidate words of ``document`` with the highest BM25 weight."""
        allowed = set(candidates(document))
        weights = self.weights([t.lower() for t in document])
        return top_k({t: w for t, w in weights.items() if t in allowed}, k)


# --------------------------------------------------------------------------- TextRank
def cooccurrence_graph(words, window: int = 2) -> tuple[list[str], np.ndarray]:
    """Words and a symmetric (V, V) matrix counting how often two words occur within ``window`` positions.

    ``window=2`` links neighbours only.  A word is never linked to itself.
    """
    vocab = sorted(set(words))
    index = {w: i for i, w in enumerate(vocab)}
    weights = np.zeros((len(vocab), len(vocab)))
    for i, w in enumerate(words):
        for other in words[i + 1:i + window]:
            a, b = index[w], index[other]
            if a != b:
                weights[a, b] += 1
                weights[b, a] += 1
    return vocab, weights


def pagerank(weights: np.ndarray, damping: float = 0.85, *, iterations: int = 100, tol: float = 1e-10) -> np.ndarray:
    """PageRank of a weighted graph by power iteration; the scores sum to 1.

    A random walker follows an edge with probability proportional to its weight, or
    with probability 1 - damping jumps to any node.  Its long-run visiting rate is

        r = (1 - damping) / V + damping * M r,     M[i, j] = weights[i, j] / sum_k weights[k, j]

    A node with no edges sends its walker anywhere (its column of M is uniform).
    """
    V = len(weights)
    out_weight = weights.sum(axis=0)                                   # (V,) total weight leaving each node
    M = np.where(out_weight > 0, weights / np.where(out_weight > 0, out_weight, 1), 1.0 / V)   # (V, V) columns sum to 1
    r = np.full(V, 1.0 / V)
    for _ in range(iterations):
        new = (1 - damping) / V + damping * M @ r
        if np.abs(new - r).sum() < tol:
            return new
        r = new
    return r


def textrank_keywords(document, k: int = 5, *, window: int = 2, damping: float = 0.85) -> list[tuple[str, float]]:
    """TextRank: PageRank over the co-occurrence graph of the candidate words of ``document``.

    Stop words are removed first, so "factory in Oslo" links "factory" and "oslo".  A word
    that co-occurs with many different words, which themselves are central, ranks high.
    """
    words = candidates(document)
    if not words:
        return []
    vocab, weights = cooccurrence_graph(words, window)
    return top_k(dict(zip(vocab, pagerank(weights, damping).tolist())), k)


def keyphrases(document, keywords) -> list[str]:
    """Join keywords that stand next to each other in the text into phrases, as TextRank's last step does.

    Every maximal run of adjacent tokens that are all keywords becomes one phrase
    ("buenos" + "aires" -> "buenos aires"); phrases are returned once each, in order of first appearance.
    """
    keywords = set(keywords)
    phrases, run = [], []
    for token in [t.lower() for t in document] + [None]:        # None ends the last run
        if token is not None and token in keywords:
            run.append(token)
            continue
        if run and " ".join(run) not in phrases:
            phrases.append(" ".join(run))
        run = []
    return phrases


# --------------------------------------------------------------------------- scoring against known keywords
def precision_at_k(ranked, relevant, k: int) -> float:
    """Fraction of the first ``k`` ranked words that are relevant (fewer than k ranked: still divide by k)."""
    return sum(1 for w in list(ranked)[:k] if w in relevant) / k


def headline_keywords(document) -> set[str]:
    """Ground truth for a generated news document: the candidate words of its headline found in its text.

    The headline names the event's actors, place and object ("Acme Labs opens robot factory in Oslo"),
    which is what a person would pick as the document's keywords.
    """
    text = set(candidates(document.text.split()))
    return {w for w in candidates(document.headline.split()) if w in text}
