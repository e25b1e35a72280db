"""Checks for the exercises of notebooks/05_video/03_generation.

Each check compares the learner's function with the package's own (``clip_generator.kl_to_standard_normal``,
``clip_generator.compose_two_stream``, the reparameterisation inside ``ClipVAE.losses``) on inputs made up here.
"""
from __future__ import annotations

import torch

from ..video import clip_generator
from . import exercise


def _close(mine, expected) -> bool:
    if mine is None:
        return False
    mine = torch.as_tensor(mine, dtype=torch.float32)
    return mine.shape == expected.shape and torch.allclose(mine, expected, atol=1e-5)


@exercise("05_video.03.a", kind="function",
          hint="1/2 * sum over the latent of (mu^2 + exp(logvar) - logvar - 1): one number per row.")
def _kl(answer) -> bool:
    generator = torch.Generator().manual_seed(6)
    for shape in ((4, 16), (1, 3), (7, 2)):
        mu, logvar = torch.randn(shape, generator=generator), torch.randn(shape, generator=generator)
        if not _close(answer(mu, logvar), clip_generator.kl_to_standard_normal(mu, logvar)):
            return False
    return True


@exercise("05_video.03.b", kind="function",
          hint="m * f + (1 - m) * b, with the still background given a time axis: background[:, None].")
def _compose(answer) -> bool:
    generator = torch.Generator().manual_seed(7)
    for b, t, c, s in ((2, 4, 3, 5), (1, 8, 1, 4)):
        mask = torch.rand(b, t, 1, s, s, generator=generator)
        foreground = torch.rand(b, t, c, s, s, generator=generator)
        background = torch.rand(b, c, s, s, generator=generator)
        if not _close(answer(mask, foreground, background),
                      clip_generator.compose_two_stream(mask, foreground, background)):
            return False
    return True


@exercise("05_video.03.c", kind="function",
          hint="z = mu + eps * sigma, and sigma = exp(logvar / 2), not exp(logvar).")
def _reparameterise(answer) -> bool:
    generator = torch.Generator().manual_seed(8)
    for shape in ((3, 4), (1, 16)):
        mu, logvar, eps = (torch.randn(shape, generator=generator) for _ in range(3))
        if not _close(answer(mu, logvar, eps), mu + eps * (0.5 * logvar).exp()):
            return False
    return True
