"""Byte-pair encoding (BPE): the tokeniser of GPT-2, GPT-4, Llama and most large language models, trained here.

Start from the 256 possible bytes of UTF-8 text, so that *any* string can be
encoded.  Training repeats one step: count every pair of neighbouring tokens,
give the most frequent pair a new id, and replace it everywhere
(Sennrich et al. 2016, after Gage's 1994 compression algorithm).  After N merges
the vocabulary has 256 + N tokens and common chunks such as ``"the "`` or
``"def "`` are single tokens, so a text needs fewer tokens than characters.

Encoding a new text replays the merges in the order they were learned; decoding
joins each token's bytes and reads them as UTF-8.

    tokenizer = BPETokenizer.train(text, vocab_size=512)
    ids = tokenizer.encode("for x in range(3):")
    tokenizer.decode(ids) == "for x in range(3):"        # always: the round trip is exact

Pair counting and merging are written with NumPy over the whole token stream at
once (one pass per merge), so training 256 merges on 465,000 characters takes
seconds, not minutes.  Real tokenisers also split the text into words first
(GPT-2 uses a regular expression) so that no token crosses a word boundary;
this one does not, which keeps it short and lets tokens like ``"e t"`` appear.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

N_BYTES = 256   # ids 0..255 are the raw bytes; merged tokens get ids 256, 257, ...


def pair_counts(ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """How often each pair (a, b) of neighbours occurs: a (vocab_size, vocab_size) count table.

    Overlapping pairs are all counted, so "aaa" counts the pair ("a", "a") twice.
    """
    keys = ids[:-1].astype(np.int64) * vocab_size + ids[1:]          # one integer per neighbouring pair
    return np.bincount(keys, minlength=vocab_size * vocab_size).reshape(vocab_size, vocab_size)


def merge(ids: np.ndarray, pair: tuple[int, int], new_id: int) -> np.ndarray:
    """Replace every occurrence of ``pair`` in ``ids`` by ``new_id``, scanning left to right.

    merge([1, 2, 3, 1, 2], (1, 2), 9) -> [9, 3, 9];  merge([5, 5, 5], (5, 5), 9) -> [9, 5]
    """
    ids = np.asarray(ids)
    if len(ids) < 2:
        return ids.copy()
    a, b = pair
    hit = (ids[:-1] == a) & (ids[1:] == b)                       # hit[i]: the pair starts at i
    if a == b:
        # In a run like "aaaa" the hits overlap; left to right we take the 1st, 3rd, ... of each run.
        index = np.arange(len(hit))
        run_start = np.maximum.accumulate(np.where(hit & ~np.r_[False, hit[:-1]], index, 0))
        hit &= (index - run_start) % 2 == 0
    out = ids.copy()
    starts = np.flatnonzero(hit)
    out[starts] = new_id                                         # the pair's first token becomes the new one
    keep = np.ones(len(ids), dtype=bool)
    keep[starts + 1] = False                                     # and its second token is dropped
    return out[keep]


@dataclass
class BPETokenizer:
    """Byte-level BPE: ``merges[i]`` is the pair of ids that became token ``256 + i``."""

    merges: list[tuple[int, int]] = field(default_factory=list)

    # ------------------------------------------------------------------ training
    @classmethod
    def train(cls, text: str, vocab_size: int) -> "BPETokenizer":
        """Learn ``vocab_size - 256`` merges from ``text``; the most frequent pair wins, ties go to the smaller pair."""
        if vocab_size < N_BYTES:
            raise ValueError(f"vocab_size must be at least {N_BYTES} (the bytes), got {vocab_size}")
        ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
        merges: list[tuple[int, int]] = []
        for new_id in range(N_BYTES, vocab_size):
            if len(ids) < 2:
                break
            counts = pair_counts(ids, new_id)                       # ids so far are all below new_id
            best = int(counts.argmax())                             # argmax returns the first, i.e. smallest, pair
            if counts.flat[best] < 2:                               # nothing repeats: merging would not compress
                break
            pair = divmod(best, new_id)                             # key = a * new_id + b
            merges.append((int(pair[0]), int(pair[1])))
            ids = merge(ids, pair, new_id)
        return cls(merges)

    # ------------------------------------------------------------------ using it
    @property
    def vocab_size(self) -> int:
        return N_BYTES + len(self.merges)

    def token_bytes(self) -> list[bytes]:
        """The bytes each token id stands for: a byte for ids < 256, the two halves joined for merged ones."""
        table = [bytes([i]) for i in range(N_BYTES)]
        for a, b in self.merges:
            table.append(table[a] + table[b])
        return table

    def encode(self, text: str) -> torch.Tensor:
        """(n_tokens,) int64 ids.  Replays the merges in the order they were learned."""
        ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
        for new_id, pair in enumerate(self.merges, start=N_BYTES):
            ids = merge(ids, pair, new_id)
        return torch.from_numpy(ids.copy())

    def decode(self, ids) -> str:
        """Text from ids.  A cut through a multi-byte character (possible when sampling) shows as '\ufffd'."""
        table = self.token_bytes()
        return b"".join(table[int(i)] for i in ids).decode("utf-8", errors="replace")

    def pieces(self, ids) -> list[str]:
        """Each token as readable text, for showing where the token boundaries fall."""
        table = self.token_bytes()
        return [table[int(i)].decode("utf-8", errors="replace") for i in ids]
