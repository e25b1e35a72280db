"""Worked solutions for the exercises of notebooks/03_image/02_vae.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("03_image.02.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject. (02.a-c are retired: their answers are written out in the notebook.)
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def exercise_d():
    """The importance-weighted bound (Burda et al. 2016): log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x).

    Each z_i = mu + sigma * eps_i is a draw from q(z|x). Its log-weight adds the Bernoulli log-likelihood of the
    image (summed over pixels), the standard normal log-density of z_i and minus the log-density of z_i under
    q(z|x) = N(mu, sigma^2), whose standardised value is eps_i itself. Averaging the weights in log space is a
    logsumexp over the k draws minus log k; with k = 1 this is one sample of the ELBO.
    """
    def iw_bound(model, x, eps):
        mu, logvar = model.encode(x)                                        # (B, L) each
        z = mu + torch.exp(0.5 * logvar) * eps                              # (k, B, L)
        k, b, latent = eps.shape
        logits = model.decode(z.reshape(k * b, latent)).reshape(k, b, *x.shape[1:])
        log_px = -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").flatten(2).sum(2)
        log_pz = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)     # (k, B)
        log_qz = (-0.5 * eps.pow(2) - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
        return torch.logsumexp(log_px + log_pz - log_qz, dim=0) - math.log(k)

    return iw_bound


def wrong_d():
    """Averages the log-weights instead of the weights: that is the k-sample average of the ELBO, which does not
    tighten as k grows (Jensen's inequality sits between the two)."""
    def iw_bound(model, x, eps):
        mu, logvar = model.encode(x)
        z = mu + torch.exp(0.5 * logvar) * eps
        k, b, latent = eps.shape
        logits = model.decode(z.reshape(k * b, latent)).reshape(k, b, *x.shape[1:])
        log_px = -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").flatten(2).sum(2)
        log_pz = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)
        log_qz = (-0.5 * eps.pow(2) - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
        return (log_px + log_pz - log_qz).mean(0)

    return iw_bound
