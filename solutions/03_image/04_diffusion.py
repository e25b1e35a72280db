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


def exercise_d():
    """A DDPM's training loss and one ancestral step, built from the betas alone.

    The loss draws nothing itself: given x_0, the steps t and the noise eps it forms x_t in one step,
    eq. (4), x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, and returns the mean squared error between eps and
    the network's prediction, L_simple of eq. (14). The reverse step uses the noise form of the mean, eq. (11),
    mu = (x_t - beta_t / sqrt(1 - abar_t) * eps) / sqrt(alpha_t), and adds sigma_t z with sigma_t^2 = beta_t,
    except at the last step (t == 0 here, t = 1 in the paper), which returns the mean.
    """
    class TinyDDPM:
        def __init__(self, eps_model, betas):
            self.eps_model, self.betas = eps_model, betas
            self.alphas = 1 - betas                                   # alpha_t
            self.alpha_bars = torch.cumprod(self.alphas, dim=0)       # abar_t

        def loss(self, x0, t, eps):
            abar = self.alpha_bars[t].float().view(-1, 1, 1, 1)       # (B, 1, 1, 1)
            x_t = abar.sqrt() * x0 + (1 - abar).sqrt() * eps          # eq. (4)
            return ((eps - self.eps_model(x_t, t)) ** 2).mean()       # eq. (14)

        def reverse_step(self, x_t, t, z):
            beta, alpha, abar = (float(v[t]) for v in (self.betas, self.alphas, self.alpha_bars))
            eps = self.eps_model(x_t, torch.full((len(x_t),), t))
            mean = (x_t - beta / (1 - abar) ** 0.5 * eps) / alpha ** 0.5          # eq. (11)
            return mean if t == 0 else mean + beta ** 0.5 * z

    return TinyDDPM


def wrong_d():
    """Uses alpha_t where abar_t belongs under the square root of the reverse step (a common slip), so the
    predicted noise is removed at the wrong strength; the loss is right."""
    right = exercise_d()

    class TinyDDPM(right):
        def reverse_step(self, x_t, t, z):
            beta, alpha = float(self.betas[t]), float(self.alphas[t])
            eps = self.eps_model(x_t, torch.full((len(x_t),), t))
            mean = (x_t - beta / (1 - alpha) ** 0.5 * eps) / alpha ** 0.5
            return mean if t == 0 else mean + beta ** 0.5 * z

    return TinyDDPM
