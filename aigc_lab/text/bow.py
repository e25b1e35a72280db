"""Words to numbers: a vocabulary, bag-of-words counts, TF-IDF written out, and negation marking.

The classic text features, small enough to read in one sitting:

    vocab = Vocabulary.build(token_lists, min_count=1)
    counts = bag_of_words(token_lists, vocab)          # (documents, words) raw counts
    tfidf = TfidfFeatures().fit(token_lists)           # the same numbers as scikit-learn's TfidfVectorizer
    x = tfidf.transform(token_lists)                   # (documents, words), each row of unit length

``tests/test_text_classification.py`` checks ``TfidfFeatures`` against
``sklearn.feature_extraction.text.TfidfVectorizer`` with its default settings.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import torch

PAD, UNK = "<pad>", "<unk>"
NEGATORS = ("not", "never", "no")
CLAUSE_ENDS = (",", ".", "!", "?", ";", "and", "but")


def tokenize(text: str) -> list[str]:
    """Lower-case and split on white space (the course's generated corpora are already tokenised)."""
    return text.lower().split()


@dataclass
class Vocabulary:
    """Word <-> id.  Id 0 is padding and id 1 stands for any word not in the vocabulary."""

    words: list[str] = field(default_factory=lambda: [PAD, UNK])
    counts: Counter = field(default_factory=Counter)   # how often each word occurred when the vocabulary was built

    def __post_init__(self):
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, token_lists, *, min_count: int = 1) -> "Vocabulary":
        """Every word seen at least ``min_count`` times, most frequent first (ties alphabetical)."""
        counts = Counter(t for tokens in token_lists for t in tokens)
        kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls([PAD, UNK] + kept, counts)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def id(self, word: str) -> int:
        return self.index.get(word, 1)

    def encode(self, tokens) -> list[int]:
        return [self.id(t) for t in tokens]


def encode_padded(token_lists, vocab: Vocabulary, max_len: int | None = None) -> torch.Tensor:
    """(documents, max_len) int64 ids, cut at ``max_len`` and padded on the right with 0."""
    ids = [vocab.encode(tokens) for tokens in token_lists]
    max_len = max_len or max(len(i) for i in ids)
    out = torch.zeros(len(ids), max_len, dtype=torch.long)
    for row, seq in enumerate(ids):
        seq = seq[:max_len]
        out[row, :len(seq)] = torch.tensor(seq, dtype=torch.long)
    return out


def bag_of_words(token_lists, vocab: Vocabulary) -> np.ndarray:
    """(documents, len(vocab)) word counts; word order is thrown away.  Columns 0 and 1 are padding and unknown."""
    out = np.zeros((len(token_lists), len(vocab)), dtype=np.float64)
    for row, tokens in enumerate(token_lists):
        for t in tokens:
            out[row, vocab.id(t)] += 1
    return out


@dataclass
class TfidfFeatures:
    """TF-IDF with scikit-learn's default formula, written out.

    tf(t, d)  = how many times word t occurs in document d
    idf(t)    = ln((1 + n) / (1 + df(t))) + 1      n documents, df(t) of them contain t ("smooth" idf)
    x(d)      = tf(d) * idf, then divided by its Euclidean length

    A word in every document keeps weight 1 (it still counts, a little); a rare word
    gets up to 1 + ln((1 + n) / 2).  Words unseen in ``fit`` are dropped.
    """

    min_df: int = 1
    vocab: list[str] = field(default_factory=list)     # sorted alphabetically, as scikit-learn does
    idf: np.ndarray | None = None

    def fit(self, token_lists) -> "TfidfFeatures":
        n = len(token_lists)
        df = Counter(t for tokens in token_lists for t in set(tokens))   # documents containing each word
        self.vocab = sorted(w for w, c in df.items() if c >= self.min_df)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        df_vector = np.array([df[w] for w in self.vocab], dtype=np.float64)
        self.idf = np.log((1 + n) / (1 + df_vector)) + 1
        return self

    def transform(self, token_lists) -> np.ndarray:
        if self.idf is None:
            raise RuntimeError("call fit(token_lists) before transform")
        tf = np.zeros((len(token_lists), len(self.vocab)))
        for row, tokens in enumerate(token_lists):
            for t in tokens:
                if t in self.index:
                    tf[row, self.index[t]] += 1
        x = tf * self.idf
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return x / np.where(norms == 0, 1, norms)

    def fit_transform(self, token_lists) -> np.ndarray:
        return self.fit(token_lists).transform(token_lists)


def mark_negation(tokens, negators=NEGATORS, clause_ends=CLAUSE_ENDS) -> list[str]:
    """Prefix every word after a negator with "not_" until the clause ends (Das and Chen 2001).

    ["the", "soup", "was", "not", "good", ",", "the", ...] -> [..., "not", "not_good", ",", "the", ...]
    so that a bag of words can tell "good" from "not good".
    """
    out, negating = [], False
    for t in tokens:
        if t in clause_ends:
            negating = False
            out.append(t)
        elif t in negators:
            negating = True
            out.append(t)
        else:
            out.append("not_" + t if negating else t)
    return out
