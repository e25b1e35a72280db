"""Checks for the exercises of notebooks/03_image/03_gan.

Each check compares the learner's function with the package's own
(``gan_training.generator_loss``, ``gan_training.discriminator_loss``,
``stylegan.modulated_weight``) on random tensors made up here.
"""
from __future__ import annotations

import torch

from ..image import gan_training, stylegan
from . import exercise


def _logits(seed: int, n: int = 12) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, generator=generator, dtype=torch.float64) * 4


@exercise("03_image.03.a", kind="function",
          hint="D's probability that a fake is real is sigmoid(logit); G minimises -log of it, averaged. "
               "F.softplus(-logits) is a stable way to write -log sigmoid(logits).")
def _non_saturating(answer) -> bool:
    for seed in (0, 1):
        logits = _logits(seed)
        mine = torch.as_tensor(answer(logits.clone()), dtype=torch.float64)
        if mine.numel() != 1 or not torch.allclose(mine.reshape(()), gan_training.generator_loss(logits), atol=1e-6):
            return False
    return True


@exercise("03_image.03.b", kind="function",
          hint="Binary cross-entropy: real images have target 1 (-log sigmoid(l_real)), fakes target 0 "
               "(-log(1 - sigmoid(l_fake)) = softplus(l_fake)); average each over its batch and add the two.")
def _discriminator(answer) -> bool:
    for seed in (2, 3):
        real, fake = _logits(seed), _logits(seed + 10, n=7)
        mine = torch.as_tensor(answer(real.clone(), fake.clone()), dtype=torch.float64)
        if mine.numel() != 1 or not torch.allclose(mine.reshape(()), gan_training.discriminator_loss(real, fake),
                                                   atol=1e-6):
            return False
    return True


@exercise("03_image.03.c", kind="function",
          hint="Multiply weight[None] (1, out, in, k, k) by styles[:, None, :, None, None]; then divide each "
               "(sample, output channel) slice by the square root of its sum of squares over in, k, k (+ 1e-8).")
def _modulated_weight(answer) -> bool:
    generator = torch.Generator().manual_seed(4)
    weight = torch.randn(5, 3, 3, 3, generator=generator, dtype=torch.float64)
    styles = torch.randn(2, 3, generator=generator, dtype=torch.float64) * 2
    mine = torch.as_tensor(answer(weight.clone(), styles.clone()), dtype=torch.float64)
    expected = stylegan.modulated_weight(weight, styles)
    return mine.shape == expected.shape and torch.allclose(mine, expected, atol=1e-6)
