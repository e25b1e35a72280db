"""A count-based n-gram language model: no gradients, just counting which token follows which context.

An n-gram model predicts token t from the n-1 tokens before it:

    p(b | context) = count(context, b) / count(context)

That fraction is zero for any pair never seen in training, and a context seen
rarely gives a noisy estimate, so we smooth it by mixing in the prediction from
one token less of context, weighted by ``strength`` pseudo-counts:

    p_n(b | c) = (count(c, b) + strength * p_{n-1}(b | c')) / (count(c) + strength)     c' = c without its first token

down to the unigram, which uses add-one smoothing: (count(b) + 1) / (N + V).
A context never seen falls back entirely to the shorter one.  Every level sums
to one, so the losses are honest.  (This is interpolation with a Dirichlet
prior; Kneser-Ney smoothing, the classic best, refines which counts to use.)

The model is an ``nn.Module`` whose forward returns log-probabilities shaped
like a neural model's logits, so ``sampling.generate`` and ``evaluate_loss``
work on it unchanged.
"""
from __future__ import annotations

import torch
import torch.nn as nn


class NGramLanguageModel(nn.Module):
    """Counts of every order 1..n, stored as a (distinct contexts, vocab) table per order."""

    def __init__(self, vocab_size: int, n: int = 3, strength: float = 1.0):
        super().__init__()
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        if vocab_size ** (n - 1) >= 2 ** 62:
            raise ValueError(f"contexts of {n - 1} tokens from a vocabulary of {vocab_size} do not fit in int64 keys")
        self.vocab_size, self.n, self.strength = vocab_size, n, strength
        # For order m (m - 1 tokens of context): the sorted keys of the contexts seen, and their next-token counts.
        self.keys: list[torch.Tensor] = []
        self.counts: list[torch.Tensor] = []

    def _context_keys(self, ids: torch.Tensor, length: int) -> torch.Tensor:
        """One integer per position t of (B, T) ids for the ``length`` tokens ending at t: (B, T - length + 1)."""
        keys = torch.zeros(ids.shape[0], ids.shape[1] - length + 1, dtype=torch.long)
        for j in range(length):                                  # base-V number: key = sum_j ids[t-length+1+j] V^(length-1-j)
            keys = keys * self.vocab_size + ids[:, j:ids.shape[1] - length + 1 + j]
        return keys

    @torch.no_grad()
    def fit(self, ids: torch.Tensor) -> "NGramLanguageModel":
        """Count every n-gram of the training stream ``ids`` (1-D)."""
        ids = ids.view(1, -1).long().cpu()
        self.keys, self.counts = [], []
        for m in range(1, self.n + 1):                           # order m: contexts of m - 1 tokens
            if m == 1:
                context = torch.zeros(ids.shape[1], dtype=torch.long)                # one empty context
                following = ids[0]
            else:
                context = self._context_keys(ids[:, :-1], m - 1)[0]                   # context ending at t-1 ...
                following = ids[0, m - 1:]                                            # ... and the token at t
            unique, row = torch.unique(context, return_inverse=True)                 # sorted distinct contexts
            table = torch.zeros(len(unique), self.vocab_size)
            table.index_put_((row, following), torch.ones(len(row)), accumulate=True)
            self.keys.append(unique)
            self.counts.append(table)
        return self

    def lower_order(self, n: int) -> "NGramLanguageModel":
        """The n-gram model (n <= self.n) that these counts contain, sharing their tables: no recounting."""
        if not 1 <= n <= self.n:
            raise ValueError(f"order must be between 1 and {self.n}, got {n}")
        model = NGramLanguageModel(self.vocab_size, n=n, strength=self.strength)
        model.keys, model.counts = self.keys[:n], self.counts[:n]
        return model

    def _order_probs(self, ids: torch.Tensor, m: int, lower: torch.Tensor) -> torch.Tensor:
        """p_m for every position of (B, T) ids, given the order m-1 probabilities ``lower`` (B, T, V)."""
        B, T = ids.shape
        counts = torch.zeros(B, T, self.vocab_size)
        if T >= m - 1:
            keys = self._context_keys(ids, m - 1)                                # (B, T - m + 2): context ending at t
            slot = torch.searchsorted(self.keys[m - 1], keys).clamp(max=len(self.keys[m - 1]) - 1)
            seen = self.keys[m - 1][slot] == keys                                # contexts met in training
            found = self.counts[m - 1][slot] * seen[..., None]                  # (B, T - m + 2, V), zeros if unseen
            counts[:, m - 2:] = found
        # Positions t < m - 2 have fewer than m - 1 tokens before them: their counts stay 0, i.e. p_m = p_{m-1}.
        total = counts.sum(-1, keepdim=True)
        return (counts + self.strength * lower) / (total + self.strength)

    @torch.no_grad()
    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """(B, T) ids -> (B, T, V) log p(next token | the up to n-1 tokens ending at t)."""
        if not self.counts:
            raise RuntimeError("call fit(train_ids) before using the model")
        dev = idx.device
        idx = idx.long().cpu()
        B, T = idx.shape
        unigram = self.counts[0][0]
        probs = ((unigram + 1) / (unigram.sum() + self.vocab_size)).expand(B, T, -1)   # add-one unigram
        for m in range(2, self.n + 1):
            probs = self._order_probs(idx, m, probs)
        return probs.log().to(dev)

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        logp = self(x)
        return -logp.gather(-1, y.unsqueeze(-1)).mean()

    def table_size(self) -> int:
        """Numbers stored: the count tables' entries (what the model 'learns', instead of parameters)."""
        return sum(t.numel() for t in self.counts)
