"""GloVe: word vectors from a co-occurrence matrix by weighted least squares (Pennington et al., 2014).

Where word2vec streams over (centre, context) pairs, GloVe first counts them: X[i, j]
is how often word j appears near word i (each occurrence weighted 1 / distance).
It then fits vectors w_i, w~_j and biases b_i, b~_j so that their dot product
predicts the logarithm of the count, eq. (8) of the paper:

    J = sum over X[i, j] > 0 of  f(X[i, j]) * (w_i . w~_j + b_i + b~_j - log X[i, j])^2
    f(x) = (x / x_max)^alpha if x < x_max else 1              (eq. 9; alpha = 3/4, x_max = 100)

f stops rare, noisy pairs from counting much and caps very common ones.  The final
word vectors are w + w~ (section 4.2 of the paper).  The paper trains with AdaGrad;
here the course's one loop (AdamW through ``train.fit``) does the job.

    X = cooccurrence(sentences_as_ids, vocab_size=len(vocab), window=5)
    model = GloVe(GloVeConfig(vocab_size=len(vocab)))
    train.fit(model, CooccurrenceBatches(X, batch=4096), steps=500, lr=0.05)
    vectors = model.vectors()
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from .word2vec import flatten


def cooccurrence(sentences, vocab_size: int, window: int = 5, *, distance_weighting: bool = True) -> torch.Tensor:
    """(vocab, vocab) symmetric co-occurrence counts: X[i, j] += 1 / d for words i, j that are d <= window apart."""
    stream, sentence = flatten(sentences)
    X = torch.zeros(vocab_size, vocab_size, dtype=torch.float64)
    for d in range(1, window + 1):
        same = sentence[:-d] == sentence[d:]                     # both words in the same sentence
        a, b = stream[:-d][same], stream[d:][same]
        weight = torch.full((len(a),), 1.0 / d if distance_weighting else 1.0, dtype=torch.float64)
        X.index_put_((a, b), weight, accumulate=True)            # counts in both directions keep X symmetric
        X.index_put_((b, a), weight, accumulate=True)
    return X.float()


def glove_weight(x: torch.Tensor, x_max: float = 100.0, alpha: float = 0.75) -> torch.Tensor:
    """f(x) of eq. (9): (x / x_max)^alpha below x_max, 1 above."""
    return (x / x_max).clamp(max=1.0) ** alpha


@dataclass
class GloVeConfig:
    vocab_size: int
    dim: int = 32              # width of each word vector
    x_max: float = 100.0       # counts above this get full weight
    alpha: float = 0.75        # exponent of the weighting function


class GloVe(nn.Module):
    def __init__(self, config: GloVeConfig):
        super().__init__()
        self.config = config
        self.w = nn.Embedding(config.vocab_size, config.dim)          # word vectors
        self.w_tilde = nn.Embedding(config.vocab_size, config.dim)    # context vectors
        self.b = nn.Embedding(config.vocab_size, 1)
        self.b_tilde = nn.Embedding(config.vocab_size, 1)
        for emb in (self.w, self.w_tilde):
            nn.init.uniform_(emb.weight, -0.5 / config.dim, 0.5 / config.dim)
        nn.init.zeros_(self.b.weight)
        nn.init.zeros_(self.b_tilde.weight)

    def loss(self, batch) -> torch.Tensor:
        """batch = (row ids i (B,), column ids j (B,), counts X[i, j] (B,), all > 0) -> mean weighted squared error."""
        i, j, x = batch
        prediction = (self.w(i) * self.w_tilde(j)).sum(-1) + self.b(i).squeeze(-1) + self.b_tilde(j).squeeze(-1)
        error = prediction - torch.log(x)                              # (B,)
        return (glove_weight(x, self.config.x_max, self.config.alpha) * error ** 2).mean()

    def vectors(self) -> torch.Tensor:
        """(vocab, dim) word vectors w + w~, detached on the CPU."""
        return (self.w.weight + self.w_tilde.weight).detach().float().cpu()


class CooccurrenceBatches:
    """Random mini-batches of the non-zero entries of a co-occurrence matrix, for ``train.fit``."""

    def __init__(self, X: torch.Tensor, *, batch: int = 4096, seed: int = 0):
        self.i, self.j = X.nonzero(as_tuple=True)
        if len(self.i) == 0:
            raise ValueError("the co-occurrence matrix is all zeros")
        self.x = X[self.i, self.j]
        self.batch = min(batch, len(self.x))
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self):
        idx = torch.randint(len(self.x), (self.batch,), generator=self.generator)
        return self.i[idx], self.j[idx], self.x[idx]
