"""A small neural text classifier: word embeddings -> 1-D convolutions -> max over time -> linear.

This is the recipe of Kim (2014), "Convolutional Neural Networks for Sentence
Classification", shrunk to laptop size.  A convolution of width k slides over
the sentence and fires on k-word patterns ("not good", "the battery"); taking
the maximum over positions keeps the strongest match wherever it occurred.  With
``kernel_sizes=(1,)`` the model sees single words only, like a bag of words;
wider kernels let it see word order, which is what negation needs.

    model = TextCNN(TextCNNConfig(vocab_size=len(vocab), classes=5))
    train.fit(model, batches, steps=300)            # batches give (ids (B, T), labels (B,))
    model.predict(ids)                              # (B,) class indices

Id 0 is padding: its embedding is fixed at zero and padded positions are
masked out of the max, so a short sentence is not confused by its padding.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class TextCNNConfig:
    vocab_size: int                       # including padding (id 0) and unknown (id 1)
    classes: int                          # number of labels
    embed: int = 32                       # word embedding width
    channels: int = 32                    # filters per kernel size
    kernel_sizes: tuple[int, ...] = (1, 2, 3)   # n-gram widths the filters look at
    dropout: float = 0.2                  # on the pooled features, during training only


def ngram_windows(x: torch.Tensor, k: int) -> torch.Tensor:
    """(B, T, E) -> (B, T, k * E): at each position t, the embeddings of tokens t .. t+k-1 side by side.

    Positions past the end are zeros.  A linear layer applied to these windows is
    exactly a 1-D convolution of width k (``tests/test_text_classification.py``
    checks it against ``F.conv1d``); on a CPU the matrix product is several times faster.
    """
    padded = F.pad(x, (0, 0, 0, k - 1))                              # (B, T + k - 1, E)
    return torch.cat([padded[:, j:j + x.size(1)] for j in range(k)], dim=2)


class TextCNN(nn.Module):
    def __init__(self, config: TextCNNConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed, padding_idx=0)
        # one filter bank per width k: a linear map from k stacked embeddings to `channels` outputs
        self.convs = nn.ModuleList(nn.Linear(k * config.embed, config.channels) for k in config.kernel_sizes)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.channels * len(config.kernel_sizes), config.classes)

    def features(self, ids: torch.Tensor) -> torch.Tensor:
        """(B, T) ids -> (B, channels * kernels) pooled n-gram features."""
        mask = ids != 0                                    # (B, T) real tokens
        x = self.embedding(ids)                            # (B, T, embed)
        pooled = []
        for k, conv in zip(self.config.kernel_sizes, self.convs):
            h = F.relu(conv(ngram_windows(x, k)))          # (B, T, channels): one value per start position
            h = h.masked_fill(~mask[:, :, None], 0.0)      # windows starting on padding never win (ReLU outputs >= 0)
            pooled.append(h.max(dim=1).values)             # (B, channels): the strongest match anywhere
        return torch.cat(pooled, dim=1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """(B, T) ids -> (B, classes) logits."""
        return self.head(self.dropout(self.features(ids)))

    def loss(self, batch) -> torch.Tensor:
        ids, labels = batch
        return F.cross_entropy(self(ids).float(), labels)

    @torch.no_grad()
    def predict(self, ids: torch.Tensor) -> torch.Tensor:
        return self(ids).argmax(dim=1)

    @torch.no_grad()
    def predict_proba(self, ids: torch.Tensor) -> torch.Tensor:
        """(B, classes) probabilities (what explainers such as LIME and SHAP query)."""
        return self(ids).float().softmax(dim=1)
