"""A neural n-gram: the multi-layer perceptron language model of Bengio et al. (2003).

Like a count n-gram it predicts token t from a fixed window of the ``context``
tokens ending at t, but instead of looking the window up in a table it

1. embeds each token as a learned vector of ``n_embd`` numbers (tokens used alike get similar vectors),
2. concatenates the window's vectors, x = [C(w_{t-n+1}), ..., C(w_t)],
3. computes the paper's eq. (1): y = b + W x + U tanh(d + H x), the scores of every possible next token.

W x is the paper's optional "direct connection" from the embeddings to the
output.  Because similar contexts share weights, the model generalises to windows
it never saw, which a count table cannot do.  Positions near the start of a
sequence see a learned padding token in place of the missing context.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class MLPLMConfig:
    vocab_size: int               # number of distinct tokens
    context: int = 8              # tokens the model sees (the n - 1 of an n-gram, plus the current one)
    n_embd: int = 16              # width of each token's embedding, the paper's m
    hidden: int = 256             # tanh hidden units, the paper's h
    direct: bool = True           # the direct connection W x from embeddings to output


class MLPLanguageModel(nn.Module):
    def __init__(self, config: MLPLMConfig):
        super().__init__()
        self.config = config
        self.pad = config.vocab_size                                   # an extra id meaning "before the start"
        self.emb = nn.Embedding(config.vocab_size + 1, config.n_embd)  # C
        width = config.context * config.n_embd
        self.hidden = nn.Linear(width, config.hidden)                  # H and d
        self.out = nn.Linear(config.hidden, config.vocab_size)         # U and b
        self.direct = nn.Linear(width, config.vocab_size, bias=False) if config.direct else None   # W

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """(B, T) token ids -> (B, T, vocab) next-token logits, each from the ``context`` ids ending at t."""
        n = self.config.context
        padded = F.pad(idx, (n - 1, 0), value=self.pad)                # (B, T + n - 1)
        windows = padded.unfold(1, n, 1)                               # (B, T, n): the window ending at each t
        x = self.emb(windows).flatten(2)                               # (B, T, n * n_embd): concatenated embeddings
        y = self.out(torch.tanh(self.hidden(x)))                       # U tanh(d + H x) + b
        if self.direct is not None:
            y = y + self.direct(x)                                     # + W x
        return y

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        logits = self(x)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), y.reshape(-1))
