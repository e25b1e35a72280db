"""Images that installed packages ship: scikit-learn's 8x8 handwritten digits, upscaled.

1,797 digits written by 43 people, bundled inside scikit-learn (no download).
``load_digits(size=16)`` upsamples them bilinearly to ``size`` x ``size`` and
scales pixels to [0, 1]; the split is fixed by a seed so every run sees the same
held-out digits.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class ImageSplit:
    x_train: torch.Tensor   # (N, 1, size, size) float32 in [0, 1]
    y_train: torch.Tensor   # (N,) int64 class ids
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: list[str]


def load_digits(size: int = 16, *, test_fraction: float = 0.25, seed: int = 0) -> ImageSplit:
    """scikit-learn's digits at ``size`` x ``size``, split into train and test by a seeded permutation."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    x = torch.tensor(bunch.images, dtype=torch.float32)[:, None] / 16.0   # (1797, 1, 8, 8), values 0..16 -> 0..1
    if size != 8:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1)
    y = torch.tensor(bunch.target, dtype=torch.long)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_test = int(len(y) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return ImageSplit(x[train], y[train], x[test], y[test], [str(d) for d in range(10)])


def shuffled_batches(x: torch.Tensor, y: torch.Tensor, batch: int, *, seed: int = 0):
    """A callable returning random (x, y) mini-batches, for ``train.fit``."""
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        idx = torch.randint(len(y), (batch,), generator=generator)
        return x[idx], y[idx]

    return next_batch
