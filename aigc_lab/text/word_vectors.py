"""Using word vectors: nearest neighbours, analogies, and phrase or sentence vectors.

Works with any (vocab, dim) matrix whose rows follow a ``bow.Vocabulary``: the
word2vec and GloVe vectors trained in this course, or your own.

    nearest(vectors, vocab, "good", k=5)             # [("great", 0.93), ...] by cosine similarity
    analogy(vectors, vocab, "waiter", "restaurant", "receptionist")   # waiter : restaurant :: receptionist : ?
    sentence_vectors(token_lists, vectors, vocab, weights=sif_weights(vocab))

Sentence vectors are (weighted) averages of their word vectors.  The frequency
weighting is the "smooth inverse frequency" of Arora, Liang and Ma (2017),
a / (a + p(w)), which shrinks very common words; optionally the first principal
component shared by all sentences is removed, as in that paper.
"""
from __future__ import annotations

import torch

from .bow import Vocabulary


def _unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12)


def nearest(vectors: torch.Tensor, vocab: Vocabulary, query, k: int = 5, *, exclude=()) -> list[tuple[str, float]]:
    """The ``k`` words whose vectors have the highest cosine similarity to ``query`` (a word or a vector)."""
    if isinstance(query, str):
        if query not in vocab:
            raise KeyError(f"{query!r} is not in the vocabulary")
        exclude = set(exclude) | {query}
        query = vectors[vocab.id(query)]
    sims = _unit(vectors) @ _unit(query)                 # (vocab,)
    sims[:2] = -2                                        # never answer padding or unknown
    for w in exclude:
        if w in vocab:
            sims[vocab.id(w)] = -2
    top = torch.topk(sims, min(k, len(vocab) - 2))
    return [(vocab.words[i], float(s)) for s, i in zip(top.values, top.indices)]


def analogy(vectors: torch.Tensor, vocab: Vocabulary, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
    """a is to b as c is to ?: the words nearest to b - a + c (unit vectors, 3CosAdd), excluding a, b and c."""
    for w in (a, b, c):
        if w not in vocab:
            raise KeyError(f"{w!r} is not in the vocabulary")
    unit = _unit(vectors)
    target = unit[vocab.id(b)] - unit[vocab.id(a)] + unit[vocab.id(c)]
    return nearest(vectors, vocab, target, k, exclude=(a, b, c))


def sif_weights(vocab: Vocabulary, a: float = 1e-3) -> torch.Tensor:
    """(vocab,) smooth inverse frequency weights a / (a + p(w)), p(w) the word's relative frequency."""
    counts = torch.tensor([vocab.counts.get(w, 0) for w in vocab.words], dtype=torch.float64)
    p = counts / counts.sum().clamp_min(1)
    weights = a / (a + p)
    weights[0] = 0.0                                     # padding contributes nothing
    return weights


def sentence_vectors(token_lists, vectors: torch.Tensor, vocab: Vocabulary, *, weights: torch.Tensor | None = None,
                     remove_first_component: bool = False) -> torch.Tensor:
    """(sentences, dim): the average of each sentence's word vectors, weighted by ``weights[id]`` if given.

    Words outside the vocabulary are skipped.  ``remove_first_component`` subtracts each
    vector's projection on the first principal direction of all of them (Arora et al. 2017).
    """
    rows = [[vocab.id(t) for t in tokens if t in vocab] for tokens in token_lists]
    ids = torch.zeros(len(rows), max([len(r) for r in rows] + [1]), dtype=torch.long)   # (N, T), 0 = padding
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r, dtype=torch.long)
    w = torch.ones(len(vocab), dtype=vectors.dtype) if weights is None else weights.to(vectors.dtype)
    w = w[ids] * (ids != 0)                                         # (N, T) weight of each token, 0 on padding
    out = (w[:, :, None] * vectors[ids]).sum(1) / w.sum(1, keepdim=True).clamp_min(1e-12)   # (N, dim)
    if remove_first_component:
        u = torch.linalg.svd(out, full_matrices=False).Vh[0]       # (dim,) the common direction
        out = out - (out @ u)[:, None] * u[None, :]
    return out


def semantic_direction(vectors: torch.Tensor, vocab: Vocabulary, plus_words, minus_words) -> torch.Tensor:
    """(dim,) unit vector from the mean of ``minus_words`` to the mean of ``plus_words`` (all unit-normalised).

    Projecting a word onto it, ``unit(v) @ direction``, places the word on that axis,
    e.g. from negative to positive sentiment.
    """
    unit = _unit(vectors)
    plus = unit[[vocab.id(w) for w in plus_words if w in vocab]].mean(0)
    minus = unit[[vocab.id(w) for w in minus_words if w in vocab]].mean(0)
    return _unit(plus - minus)
