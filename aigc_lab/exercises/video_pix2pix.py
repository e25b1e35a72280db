"""Checks for the exercises of notebooks/05_video/04_pix2pix.

Each check compares the learner's function with the package's on inputs made up here:
``image.vgg.receptive_field`` (the notebook checks the rule against gradients through a real PatchGAN)
and ``pix2pix.foreground_iou``.
"""
from __future__ import annotations

import torch

from ..image.vgg import receptive_field
from ..video import pix2pix
from . import exercise


@exercise("05_video.04.a", kind="function",
          hint="Walk back from one output pixel: start at r = 1 and, for each layer from the last to the first, "
               "r = r * stride + (kernel - stride).")
def _receptive(answer) -> bool:
    cases = [[(4, 2), (4, 2), (4, 1), (4, 1)], [(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)], [(3, 1)] * 3,
             [(3, 2), (5, 1)], [(1, 1)], [(7, 2), (3, 2), (3, 1)]]
    return all(int(answer(layers)) == receptive_field(layers) for layers in cases)


@exercise("05_video.04.b", kind="function",
          hint="mask = (images - 0.08).abs().amax(dim=1) > 0.15; IoU = (a & b).sum((1, 2)) / (a | b).sum((1, 2)), "
               "with the union clamped to at least 1.")
def _iou(answer) -> bool:
    generator = torch.Generator().manual_seed(6)
    predicted = torch.full((5, 3, 8, 8), 0.08)
    target = predicted.clone()
    predicted[:, :, 2:6, 2:6] += torch.rand(5, 3, 4, 4, generator=generator)
    target[:, 1, 3:7, 1:5] = 0.9
    target[:, 2, 0:2, :] = 0.3                                # a faint one-channel stripe: shape by its largest channel
    predicted[4] = 0.08                                       # one empty prediction: IoU 0
    target[4] = 0.08                                          # ... and an empty target: still 0, not NaN
    mine = torch.as_tensor(answer(predicted, target)).float()
    expected = pix2pix.foreground_iou(predicted, target).float()
    return mine.shape == expected.shape and torch.allclose(mine, expected, atol=1e-6)
