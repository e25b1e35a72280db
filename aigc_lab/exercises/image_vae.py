"""Checks for the exercises of notebooks/03_image/02_vae.

Each check compares the learner's function with the package's own
(``vae.kl_to_standard_normal``, ``vae.bernoulli_log_likelihood``) on random
tensors made up here, so the notebook never holds the answer.
"""
from __future__ import annotations

import torch

from ..image import vae
from . import exercise


def _gaussian(seed: int, batch: int = 5, latent: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    mu = torch.randn(batch, latent, generator=generator, dtype=torch.float64)
    logvar = torch.randn(batch, latent, generator=generator, dtype=torch.float64)
    return mu, logvar


@exercise("03_image.02.a", kind="function",
          hint="logvar is log(sigma^2), so sigma = exp(logvar / 2); then z = mu + sigma * eps.")
def _reparameterise(answer) -> bool:
    for seed in (0, 1):
        mu, logvar = _gaussian(seed)
        eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(seed + 10), dtype=torch.float64)
        mine = torch.as_tensor(answer(mu.clone(), logvar.clone(), eps.clone()), dtype=torch.float64)
        if mine.shape != mu.shape or not torch.allclose(mine, mu + torch.exp(0.5 * logvar) * eps, atol=1e-9):
            return False
    return True


@exercise("03_image.02.b", kind="function",
          hint="Per latent dimension: 0.5 * (mu^2 + sigma^2 - 1 - log sigma^2), with sigma^2 = exp(logvar); "
               "sum over the latent dimensions, one number per example.")
def _kl(answer) -> bool:
    for seed in (2, 3):
        mu, logvar = _gaussian(seed)
        mine = torch.as_tensor(answer(mu.clone(), logvar.clone()), dtype=torch.float64)
        if mine.shape != (mu.shape[0],) or not torch.allclose(mine, vae.kl_to_standard_normal(mu, logvar), atol=1e-8):
            return False
    return True


@exercise("03_image.02.c", kind="function",
          hint="The reconstruction term is a SUM over the pixels of x log p + (1 - x) log(1 - p) "
               "(F.binary_cross_entropy_with_logits(..., reduction='none') gives minus each term); "
               "subtract the KL summed over latent dimensions. One value per image.")
def _elbo(answer) -> bool:
    generator = torch.Generator().manual_seed(4)
    logits = torch.randn(3, 1, 6, 6, generator=generator, dtype=torch.float64) * 2
    x = torch.bernoulli(torch.rand(3, 1, 6, 6, generator=generator, dtype=torch.float64), generator=generator)
    mu, logvar = _gaussian(5, batch=3)
    expected = vae.bernoulli_log_likelihood(logits, x) - vae.kl_to_standard_normal(mu, logvar)
    mine = torch.as_tensor(answer(logits.clone(), x.clone(), mu.clone(), logvar.clone()), dtype=torch.float64)
    return mine.shape == (3,) and torch.allclose(mine, expected, atol=1e-6)
