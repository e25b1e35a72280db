"""Worked solutions for the exercises of notebooks/03_image/03_gan.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("03_image.03.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject. (03.a and 03.b are retired: the two GAN losses are written out in the notebook.)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


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


def exercise_d():
    """The R1 penalty (Mescheder et al. 2018): the mean over the batch of ||grad_x D(x)||^2 at real images.

    The real images become a leaf that needs gradients; torch.autograd.grad of the summed logits (each logit
    depends on its own image only, so the sum's gradient holds every image's gradient) gives d logit / d x.
    create_graph=True keeps that gradient differentiable, so the penalty, added to D's loss, trains D's weights.
    """
    def r1(D, real, labels=None):
        real = real.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(D(real, labels).sum(), real, create_graph=True)
        return grad.pow(2).flatten(1).sum(1).mean()

    return r1


def wrong_d():
    """Forgets create_graph=True: the value is right, but the penalty is a constant to D's weights, so adding it
    to the loss regularises nothing."""
    def r1(D, real, labels=None):
        real = real.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(D(real, labels).sum(), real)
        return grad.pow(2).flatten(1).sum(1).mean()

    return r1
