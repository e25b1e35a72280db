"""Captions of the shapes scenes as tokens, and a small GRU that turns them into one vector.

The captions come from a closed grammar (``aigc_lab.data.shapes.caption``):
"a red circle", "a red circle left of a blue square", "... and a green triangle",
so the vocabulary is fixed in advance and no text needs to be seen to build it.
Word order matters ("red circle left of blue square" is not "blue circle left of red square"),
which is why the encoder is a recurrent network and not a bag of words.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from ..data.shapes import COLOUR_NAMES, SHAPES

CAPTION_WORDS = ("<pad>", "a", "and", "left", "right", "of", "above", "below") + COLOUR_NAMES + SHAPES


class CaptionTokenizer:
    """Caption strings <-> padded (B, T) word ids; id 0 is padding."""

    def __init__(self, words: tuple[str, ...] = CAPTION_WORDS):
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}

    @property
    def vocab_size(self) -> int:
        return len(self.words)

    def encode(self, captions: list[str]) -> torch.Tensor:
        """(B, T) int64, T = longest caption; unknown words raise KeyError naming them."""
        if isinstance(captions, str):
            raise TypeError("encode takes a list of captions; wrap a single caption in a list")
        rows = [c.split() for c in captions]
        unknown = {w for row in rows for w in row} - self.index.keys()
        if unknown:
            raise KeyError(f"words not in the caption vocabulary: {sorted(unknown)}")
        if not rows or min(len(r) for r in rows) == 0:
            raise ValueError("every caption needs at least one word")
        ids = torch.zeros(len(rows), max(len(r) for r in rows), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, :len(row)] = torch.tensor([self.index[w] for w in row])
        return ids

    def decode(self, ids: torch.Tensor) -> list[str]:
        return [" ".join(self.words[int(i)] for i in row if int(i) != 0) for row in ids]


@dataclass
class CaptionEncoderConfig:
    vocab_size: int = len(CAPTION_WORDS)
    word_dim: int = 32            # width of each word embedding
    hidden: int = 64              # GRU state = the caption's vector


class CaptionEncoder(nn.Module):
    """(B, T) word ids -> (B, hidden): the GRU's state after the caption's last real word."""

    def __init__(self, config: CaptionEncoderConfig):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.word_dim, padding_idx=0)
        self.gru = nn.GRU(config.word_dim, config.hidden, batch_first=True)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.gru(self.embed(ids))                  # (B, T, hidden)
        last = (ids != 0).sum(1).clamp(min=1) - 1               # (B,) index of the last real word
        return outputs[torch.arange(len(ids)), last]            # (B, hidden): padding after it is ignored
