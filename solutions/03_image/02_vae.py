"""Worked solutions for the exercises of notebooks/03_image/02_vae.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("03_image.02.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def exercise_a():
    """The reparameterisation trick: z = mu + sigma * eps, eps ~ N(0, I) given from outside.

    The encoder outputs the log-variance, so the standard deviation is exp(logvar / 2).
    All the randomness is in eps, so z is a differentiable function of mu and logvar.
    """
    def reparameterise(mu, logvar, eps):
        return mu + torch.exp(0.5 * logvar) * eps

    return reparameterise


def wrong_a():
    """Uses exp(logvar), the variance, where the standard deviation belongs."""
    def reparameterise(mu, logvar, eps):
        return mu + torch.exp(logvar) * eps

    return reparameterise


def exercise_b():
    """KL(N(mu, sigma^2) || N(0, 1)) = 0.5 * (mu^2 + sigma^2 - 1 - log sigma^2) per dimension.

    The latent dimensions are independent under both Gaussians, so the KLs add up over
    the last axis, leaving one value per example.
    """
    def kl(mu, logvar):
        return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=-1)

    return kl


def wrong_b():
    """Takes the mean over the latent dimensions instead of the sum."""
    def kl(mu, logvar):
        return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).mean(dim=-1)

    return kl


def exercise_c():
    """ELBO = log p(x|z) - KL, per image, in nats.

    The Bernoulli log-likelihood of a 0/1 image is a sum over its pixels of
    x log p + (1 - x) log(1 - p); binary cross-entropy with logits gives minus each term.
    """
    def elbo(logits, x, mu, logvar):
        reconstruction = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=-1)
        return reconstruction - kl

    return elbo


def wrong_c():
    """Averages the reconstruction over pixels (as the default reduction of BCE does): the KL then
    outweighs it 256-fold, the classic route to a VAE that ignores its latent code."""
    def elbo(logits, x, mu, logvar):
        reconstruction = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).mean(1)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=-1)
        return reconstruction - kl

    return elbo
