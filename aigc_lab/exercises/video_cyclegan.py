"""Checks for the exercises of notebooks/05_video/05_cyclegan.

Each check compares the learner's function with the package's own (``cyclegan.cycle_loss`` in both
directions, ``cyclegan.lsgan_discriminator_loss``, ``data.video.frame_difference``) on inputs made up here.
"""
from __future__ import annotations

import torch

from ..data.video import frame_difference
from ..video import cyclegan
from . import exercise

def _two_way_cycle_reference(g_ab, g_ba, a, b):
    return cyclegan.cycle_loss(a, g_ba(g_ab(a))) + cyclegan.cycle_loss(b, g_ab(g_ba(b)))


@exercise("05_video.05.a", kind="function",
          hint="Go there and back in both directions: a -> G_ab -> G_ba should give a again, and b -> G_ba -> G_ab "
               "should give b; add the two mean absolute errors.")
def _two_way_cycle(answer) -> bool:
    generator = torch.Generator().manual_seed(2)
    for shape in ((4, 3, 8, 8), (1, 3, 5, 5), (6, 2)):
        a, b = torch.rand(shape, generator=generator), torch.rand(shape, generator=generator)
        scale, shift = 0.5 + torch.rand((), generator=generator), torch.rand((), generator=generator)
        # two translators that do not undo each other exactly, and are not symmetric, so each direction counts
        g_ab, g_ba = (lambda x: x * scale + shift), (lambda x: (x - shift * 0.5) / scale ** 0.5)
        mine = answer(g_ab, g_ba, a, b)
        if mine is None or not torch.allclose(torch.as_tensor(mine, dtype=torch.float32),
                                              _two_way_cycle_reference(g_ab, g_ba, a, b), atol=1e-5):
            return False
    return True


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
