"""Worked solutions for the exercises of notebooks/03_image/03_gan.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("03_image.03.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def exercise_a():
    """The non-saturating generator loss: -log D(G(z)) = -log sigmoid(l) = softplus(-l), averaged.

    Its gradient is largest exactly when D confidently rejects the fake (l very negative),
    which is when G most needs to learn.
    """
    def generator_loss(fake_logits):
        return F.softplus(-fake_logits).mean()

    return generator_loss


def wrong_a():
    """The original minimax loss log(1 - D(G(z))), which saturates when D wins."""
    def generator_loss(fake_logits):
        return torch.log1p(-torch.sigmoid(fake_logits)).mean()

    return generator_loss


def exercise_b():
    """Binary cross-entropy for D: target 1 on real images, 0 on fakes, each averaged over its batch.

    -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l), which stay finite
    even for very confident logits.
    """
    def discriminator_loss(real_logits, fake_logits):
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()

    return discriminator_loss


def wrong_b():
    """Swaps the targets: rewards D for calling fakes real."""
    def discriminator_loss(real_logits, fake_logits):
        return F.softplus(real_logits).mean() + F.softplus(-fake_logits).mean()

    return discriminator_loss


def exercise_c():
    """StyleGAN2's modulation and demodulation (eqs. 1 and 3 of Karras et al. 2020).

    Broadcasting gives one weight tensor per sample: weight[None] * styles[:, None, :, None, None]
    scales input channel i by s_i. Demodulation divides each (sample, output channel) by the
    norm of its weights over (in, k, k), so that unit-variance inputs give unit-variance outputs.
    """
    def modulated_weight(weight, styles):
        w = weight[None] * styles[:, None, :, None, None]           # (B, out, in, k, k)
        return w / torch.sqrt(w.pow(2).sum(dim=(2, 3, 4), keepdim=True) + 1e-8)

    return modulated_weight


def wrong_c():
    """Normalises over the output channels (dim 1) instead of each output channel's inputs."""
    def modulated_weight(weight, styles):
        w = weight[None] * styles[:, None, :, None, None]
        return w / torch.sqrt(w.pow(2).sum(dim=(1, 3, 4), keepdim=True) + 1e-8)

    return modulated_weight
