"""Text that every machine already has, and the tokenisers and batchers the text models use.

``python_docs_text()`` is the course's bundled English corpus: the interpreter's
own documentation topics (``pydoc_data.topics``, about 465,000 characters),
present in every CPython installation, so nothing is downloaded.
"""
from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import torch


def python_docs_text() -> str:
    """About 465,000 characters of English prose and code from Python's bundled documentation."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key].strip() for key in sorted(topics))


def read_text_file(path: str | Path, *, min_chars: int = 1000) -> str:
    """Read a UTF-8 text file for training, failing clearly on a missing, binary, empty or too-short one."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise ValueError(f"{path} looks binary (it contains NUL bytes); give a UTF-8 text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    if not text.strip():
        raise ValueError(f"{path} is empty")
    if len(text) < min_chars:
        raise ValueError(f"{path} has {len(text)} characters; at least {min_chars} are needed to train and validate")
    return text


class CharTokenizer:
    """Characters <-> integer ids, with the vocabulary taken from a text (sorted, so it is deterministic)."""

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> torch.Tensor:
        """(len(text),) int64 ids; characters unseen in the vocabulary raise KeyError naming them."""
        unknown = set(text) - self.index.keys()
        if unknown:
            raise KeyError(f"characters not in the vocabulary: {''.join(sorted(unknown))!r}")
        return torch.tensor([self.index[c] for c in text], dtype=torch.long)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def split_ids(ids: torch.Tensor, val_fraction: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Hold out the *last* ``val_fraction`` of a token stream for validation (no shuffling across the cut)."""
    cut = int(len(ids) * (1 - val_fraction))
    return ids[:cut], ids[cut:]


class LMBatches:
    """Random windows of a token stream: calling it returns ``(x, y)``, each (batch, block), y shifted by one."""

    def __init__(self, ids: torch.Tensor, *, block: int, batch: int, seed: int = 0):
        if len(ids) <= block + 1:
            raise ValueError(f"a stream of {len(ids)} tokens is too short for windows of {block}")
        self.ids, self.block, self.batch = ids, block, batch
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(len(self.ids) - self.block - 1, (self.batch,), generator=self.generator)
        offsets = torch.arange(self.block)
        x = self.ids[starts[:, None] + offsets]          # (B, T)
        y = self.ids[starts[:, None] + offsets + 1]      # (B, T): the next token at each position
        return x, y


def unigram_entropy(ids: torch.Tensor) -> float:
    """Entropy in nats per token of the token frequencies: the loss of a model that ignores context."""
    counts = Counter(ids.tolist())
    total = sum(counts.values())
    return -sum(c / total * math.log(c / total) for c in counts.values())
