"""A sequence tagger: word embeddings -> bidirectional LSTM -> tag scores, with or without a CRF on top.

This is the tagger of Huang, Xu and Yu (2015), "Bidirectional LSTM-CRF Models for
Sequence Tagging", and of Lample et al. (2016) for named entities, at laptop size.
The BiLSTM reads the sentence both ways, so every token's tag scores (*emissions*)
can depend on the words before and after it.  Then:

    use_crf=False   each token's tag is a softmax over its own scores (cross-entropy per token)
    use_crf=True    the tags are chosen together by a CRF (aigc_lab/text/crf.py), which adds
                    learned scores for each pair of neighbouring tags

The same class tags words with BIO entity tags and Chinese characters with BMES
word-boundary tags; only the vocabulary and the tag set change.

    model = BiLSTMTagger(TaggerConfig(vocab_size=len(vocab), num_tags=len(tags), use_crf=True))
    train.fit(model, batches, steps=300)      # batches give (ids (B, T), tags (B, T)); id 0 is padding
    paths = decode(model, ids)                # list of tag-id lists, one per sentence, padding removed
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .crf import CRF


@dataclass
class TaggerConfig:
    vocab_size: int            # words (or characters), including padding (id 0) and unknown (id 1)
    num_tags: int              # size of the tag set, e.g. 9 for BIO over four entity types, 4 for BMES
    embed: int = 32            # embedding width
    hidden: int = 32           # LSTM units per direction (the BiLSTM outputs 2 * hidden per token)
    dropout: float = 0.1       # on the embeddings and on the BiLSTM outputs, while training
    word_dropout: float = 0.0  # chance of replacing a training token by "unknown" (id 1), so the
                               # tagger learns to tag words it has never seen from their context
    use_crf: bool = True       # a CRF layer on top (True) or an independent softmax per token (False)


def reject_empty_rows(mask: torch.Tensor) -> None:
    """Raise a clear error for a sentence with no token: the LSTM cannot pack a length of 0."""
    empty = (~mask.any(dim=1)).nonzero().flatten().tolist()
    if empty:
        raise ValueError(f"row {empty[0]} is all padding (id 0); rows {empty} hold no token: "
                         f"drop empty sentences before tagging")


class BiLSTMTagger(nn.Module):
    def __init__(self, config: TaggerConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed, padding_idx=0)
        self.lstm = nn.LSTM(config.embed, config.hidden, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(config.dropout)
        self.to_tags = nn.Linear(2 * config.hidden, config.num_tags)
        self.crf = CRF(config.num_tags) if config.use_crf else None

    def emissions(self, ids: torch.Tensor) -> torch.Tensor:
        """(B, T) ids -> (B, T, num_tags) per-token tag scores."""
        mask = ids != 0
        reject_empty_rows(mask)
        if self.training and self.config.word_dropout > 0:
            drop = (torch.rand(ids.shape, device=ids.device) < self.config.word_dropout) & mask
            ids = ids.masked_fill(drop, 1)
        x = self.dropout(self.embedding(ids))                                  # (B, T, embed)
        # packing makes the backward direction start at each sentence's last real token, not at its padding
        lengths = mask.sum(1).cpu()
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        h, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=ids.size(1))
        return self.to_tags(self.dropout(h))                                   # (B, T, num_tags)

    def loss(self, batch) -> torch.Tensor:
        """Mean negative log-likelihood of the gold tags: per sentence with a CRF, per token without."""
        ids, tags = batch
        mask = ids != 0
        scores = self.emissions(ids)
        if self.crf is not None:
            return self.crf.neg_log_likelihood(scores, tags, mask)
        return F.cross_entropy(scores[mask].float(), tags[mask])

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.emissions(ids)


@torch.no_grad()
def decode(model: BiLSTMTagger, ids: torch.Tensor, *, batch: int = 256) -> list[list[int]]:
    """The predicted tag ids of each sentence (padding removed): Viterbi with a CRF, argmax without."""
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    paths: list[list[int]] = []
    reject_empty_rows(ids != 0)                       # here, so the error names the row of ``ids``, not of a chunk
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch].to(dev)
        mask = chunk != 0
        scores = model.emissions(chunk).float()
        if model.crf is not None:
            paths += model.crf.decode(scores, mask)
        else:
            best = scores.argmax(-1).tolist()
            paths += [row[:n] for row, n in zip(best, mask.sum(1).tolist())]
    model.train(was_training)
    return paths
