"""Worked solutions for the exercises of notebooks/05_video/03_generation.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("05_video.03.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations


def exercise_a():
    """KL between two Gaussians with diagonal covariance, the second standard normal, has a closed form:
    per dimension 1/2 (mu^2 + sigma^2 - log sigma^2 - 1); the dimensions are independent, so sum them."""
    def kl(mu, logvar):
        return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)

    return kl


def wrong_a():
    """Averages over the latent dimensions instead of summing: the KL of a 16-dimensional code shrinks 16 times."""
    def kl(mu, logvar):
        return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).mean(-1)

    return kl


def exercise_b():
    """The mask chooses, pixel by pixel and frame by frame, between the moving foreground and the one
    still background image, which is broadcast over the time axis."""
    def compose(mask, foreground, background):
        return mask * foreground + (1 - mask) * background[:, None]

    return compose


def wrong_b():
    """Swaps the roles: the mask picks the background where it should pick the foreground."""
    def compose(mask, foreground, background):
        return (1 - mask) * foreground + mask * background[:, None]

    return compose


def exercise_c():
    """Sampling z ~ N(mu, sigma^2) as mu + sigma * eps with eps ~ N(0, 1) moves the randomness out of
    the path of the gradient; logvar is log sigma^2, so sigma = exp(logvar / 2)."""
    def reparameterise(mu, logvar, eps):
        return mu + eps * (0.5 * logvar).exp()

    return reparameterise


def wrong_c():
    """Uses the variance where the standard deviation belongs."""
    def reparameterise(mu, logvar, eps):
        return mu + eps * logvar.exp()

    return reparameterise
