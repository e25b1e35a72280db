"""Checks for the exercises of notebooks/05_video/05_cyclegan.

Each check compares the learner's function with the package's own (``cyclegan.patch_receptive_field``,
``cyclegan.lsgan_discriminator_loss``, ``data.video.frame_difference``) on inputs made up here.
"""
from __future__ import annotations

import torch

from ..data.video import frame_difference
from ..video import cyclegan
from . import exercise

_LAYERS = [[(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)], [(4, 2), (4, 2), (4, 1), (4, 1)], [(3, 1)], [(3, 1), (3, 1)],
           [(7, 1), (3, 2), (3, 2)], [(2, 2), (2, 2), (2, 2)], [(5, 3), (4, 1)]]


@exercise("05_video.05.a", kind="function",
          hint="Walk back from one output pixel, last layer first: r = r * stride + (kernel - stride), starting at r = 1.")
def _receptive_field(answer) -> bool:
    return all(int(answer(layers)) == cyclegan.patch_receptive_field(layers) for layers in _LAYERS)


@exercise("05_video.05.b", kind="function",
          hint="Least squares: real scores should be 1 and fake ones 0; average each squared error, add, halve.")
def _lsgan_d(answer) -> bool:
    generator = torch.Generator().manual_seed(3)
    for shape in ((5,), (4, 1, 6, 6), (2, 3)):
        real, fake = torch.randn(shape, generator=generator), torch.randn(shape, generator=generator) + 0.5
        mine = answer(real, fake)
        if mine is None or not torch.allclose(torch.as_tensor(mine, dtype=torch.float32),
                                              cyclegan.lsgan_discriminator_loss(real, fake), atol=1e-5):
            return False
    return True


@exercise("05_video.05.c", kind="function",
          hint="frame_difference(videos) gives one number per clip; take the mean over clips for both, then divide.")
def _flicker_ratio(answer) -> bool:
    generator = torch.Generator().manual_seed(4)
    for n, t in ((3, 5), (1, 2), (6, 8)):
        translated = torch.rand(n, t, 3, 8, 8, generator=generator)
        reference = torch.rand(n, t, 3, 8, 8, generator=generator) * 0.5
        expected = frame_difference(translated).mean() / frame_difference(reference).mean()
        mine = answer(translated, reference)
        if mine is None or abs(float(mine) - float(expected)) > 1e-5:
            return False
    return True
