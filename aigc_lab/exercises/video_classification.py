"""Checks for the exercises of notebooks/05_video/01_classification.

Each check compares the learner's function with the package's own (``conv3d.mid_channels``, the
parameters of a real ``conv3d.Conv2Plus1D``, ``metrics.confusion_matrix``) on inputs made up here.
"""
from __future__ import annotations

import torch

from .. import metrics
from ..video import conv3d
from . import exercise

_SHAPES = [(3, 16, 3), (16, 32, 3), (32, 32, 3), (8, 64, 5), (1, 1, 3), (64, 16, 1)]


@exercise("05_video.01.a", kind="function",
          hint="Tran et al.'s eq. 1: floor(k**3 * c_in * c_out / (k**2 * c_in + k * c_out)); use integer division //.")
def _mid_channels(answer) -> bool:
    return all(int(answer(c_in, c_out, k)) == conv3d.mid_channels(c_in, c_out, k) for c_in, c_out, k in _SHAPES)


@exercise("05_video.01.b", kind="function",
          hint="Two convolutions with biases: spatial has mid * (c_in * k * k + 1) weights, temporal c_out * (mid * k + 1).")
def _conv2plus1d_params(answer) -> bool:
    for c_in, c_out, k in _SHAPES:
        for mid in (conv3d.mid_channels(c_in, c_out, k), 7):
            layer = conv3d.Conv2Plus1D(c_in, c_out, k, mid=mid)
            if int(answer(c_in, c_out, k, mid)) != sum(p.numel() for p in layer.parameters()):
                return False
    return True


@exercise("05_video.01.c", kind="function",
          hint="A (classes, classes) tensor of zeros; add 1 at [true, predicted] for every clip (rows are the truth).")
def _confusion(answer) -> bool:
    generator = torch.Generator().manual_seed(5)
    for n, classes in ((50, 6), (7, 3), (200, 4)):
        y_true = torch.randint(0, classes, (n,), generator=generator)
        y_pred = torch.randint(0, classes, (n,), generator=generator)
        mine = torch.as_tensor(answer(y_true, y_pred, classes))
        expected = metrics.confusion_matrix(y_true, y_pred, num_classes=classes)
        if mine.shape != expected.shape or not torch.equal(mine.long(), expected.long()):
            return False
    return True
