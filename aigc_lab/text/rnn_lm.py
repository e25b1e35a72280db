"""A recurrent language model: embedding -> RNN / LSTM / GRU -> linear head over the vocabulary.

The recurrent layer reads one token at a time and carries a hidden state, so
context length is not fixed in advance (unlike the GPT's ``block_size``); the
price is that step t must wait for step t-1.

``RNNConfig(impl="torch")`` uses PyTorch's fused ``nn.RNN`` / ``nn.LSTM`` /
``nn.GRU``; ``impl="scratch"`` uses the cells written out in
``recurrent_cells.py``.  Both have the same parameter names, so a trained model's
weights load into either and give the same predictions.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .recurrent_cells import Recurrent

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@dataclass
class RNNConfig:
    vocab_size: int
    cell: str = "gru"             # "rnn", "lstm" or "gru"
    n_embd: int = 64              # embedding width
    hidden: int = 128             # hidden state width
    layers: int = 1
    impl: str = "torch"           # "torch": PyTorch's fused layers; "scratch": the written-out cells (same maths, slower)


class RNNLanguageModel(nn.Module):
    def __init__(self, config: RNNConfig):
        super().__init__()
        if config.cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, not {config.cell!r}")
        if config.impl not in ("torch", "scratch"):
            raise ValueError(f"impl must be 'torch' or 'scratch', not {config.impl!r}")
        self.config = config
        self.emb = nn.Embedding(config.vocab_size, config.n_embd)
        if config.impl == "torch":
            self.rnn = CELLS[config.cell](config.n_embd, config.hidden, num_layers=config.layers, batch_first=True)
        else:
            self.rnn = Recurrent(config.cell, config.n_embd, config.hidden, num_layers=config.layers)
        self.head = nn.Linear(config.hidden, config.vocab_size)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """(B, T) token ids -> (B, T, vocab) next-token logits."""
        out, _ = self.rnn(self.emb(idx))   # (B, T, hidden): the state after reading each token
        return self.head(out)

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        logits = self(x)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), y.reshape(-1))
