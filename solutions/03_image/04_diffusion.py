"""Worked solutions for the exercises of notebooks/03_image/04_diffusion.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("03_image.04.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch


def exercise_a():
    """abar_t = prod_{s <= t} (1 - beta_s), eq. (4) of Ho et al. 2020.

    Each forward step keeps a fraction sqrt(alpha_t) = sqrt(1 - beta_t) of the signal, so after t steps the
    signal's squared scale is the product of the alphas so far: a running product, torch.cumprod.
    """
    def alpha_bars(betas):
        return torch.cumprod(1 - betas, dim=0)

    return alpha_bars


def wrong_a():
    """Multiplies the betas instead of the alphas: the product of the noise amounts, not of what survives."""
    def alpha_bars(betas):
        return torch.cumprod(betas, dim=0)

    return alpha_bars


def exercise_b():
    """One ancestral step, Algorithm 2 of Ho et al. 2020 with sigma_t^2 = beta_t.

    The mean removes the predicted noise, scaled for step t, and undoes the step's shrinking of the signal,
    eq. (11): mu = (x_t - beta_t / sqrt(1 - abar_t) * eps) / sqrt(alpha_t). Then fresh noise sigma_t * z is
    added, except at the very last step (t == 0 here, t = 1 in the paper), which returns the mean.
    """
    def ddpm_step(x_t, eps, t, betas, z):
        alphas = 1 - betas
        alpha_bars = torch.cumprod(alphas, dim=0)
        mean = (x_t - betas[t] / (1 - alpha_bars[t]).sqrt() * eps) / alphas[t].sqrt()
        if t == 0:
            return mean
        return mean + betas[t].sqrt() * z

    return ddpm_step


def wrong_b():
    """Uses alpha_t where abar_t belongs under the square root (a common slip), so the predicted noise is
    removed at the wrong strength."""
    def ddpm_step(x_t, eps, t, betas, z):
        alphas = 1 - betas
        mean = (x_t - betas[t] / (1 - alphas[t]).sqrt() * eps) / alphas[t].sqrt()
        if t == 0:
            return mean
        return mean + betas[t].sqrt() * z

    return ddpm_step


def exercise_c():
    """Classifier-free guidance: eps = eps_null + scale * (eps_cond - eps_null).

    The difference eps_cond - eps_null points from "any digit" towards "this digit"; scale 1 follows the
    conditional model, scale 0 ignores the condition, larger scales overshoot towards the class
    (Ho and Salimans 2022 write it as (1 + w) eps_cond - w eps_null, with w = scale - 1).
    """
    def guide(eps_cond, eps_null, scale):
        return eps_null + scale * (eps_cond - eps_null)

    return guide


def wrong_c():
    """Starts from the conditional prediction instead of the unconditional one, so scale 1 already overshoots
    (it mixes the two conventions for the scale)."""
    def guide(eps_cond, eps_null, scale):
        return eps_cond + scale * (eps_cond - eps_null)

    return guide
