"""Checks for the exercises of notebooks/03_image/02_vae.

The check runs the learner's function beside the package's own
(``vae.importance_weighted_log_likelihood``) on a small VAE and noise made up here, so the
notebook never holds the answer. (Exercises 02.a-c, the reparameterisation trick, the
closed-form KL and the ELBO, are written out in the notebook itself now: their IDs are retired.)
"""
from __future__ import annotations

import torch

from ..image import vae
from . import exercise


@exercise("03_image.02.d", kind="function",
          hint="Section 3's 'A tighter bound': for each draw i, log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x), "
               "with z_i = mu + sigma * eps_i, log p(x|z) the summed Bernoulli term of section 2, and the two "
               "Gaussian log-densities summed over the latent dimensions (including their -0.5 log(2 pi) and, for q, "
               "the -0.5 logvar). Then average the weights, not the log-weights: logsumexp over k minus log k.")
def _iw_bound(answer) -> bool:
    torch.manual_seed(0)
    model = vae.ConvVAE(vae.VAEConfig(latent=3, channels=(4, 8)))
    x = torch.bernoulli(torch.rand(5, 1, 16, 16, generator=torch.Generator().manual_seed(1)))
    with torch.no_grad():
        mu, _ = model.encode(x)
        for k, seed in ((1, 2), (7, 3), (40, 4)):
            generator = torch.Generator().manual_seed(seed)
            eps = torch.stack([torch.randn(mu.shape, generator=generator) for _ in range(k)])   # as the package draws
            expected = vae.importance_weighted_log_likelihood(model, x, k=k, seed=seed)
            got = answer(model, x.clone(), eps.clone())
            if got is None:
                raise NotImplementedError
            got = torch.as_tensor(got, dtype=torch.float32)
            if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-3):
                return False
    return True
