"""A convolutional variational autoencoder (VAE, Kingma & Welling 2014) for 16x16 digits.

An encoder maps an image x to a Gaussian q(z|x) = N(mu, diag(sigma^2)) over a small latent
vector z; a decoder maps z back to one Bernoulli probability per pixel, p(x|z). Training
maximises the evidence lower bound (ELBO) on log p(x), per image, in nats:

    ELBO(x) = E_{z ~ q(z|x)} [log p(x|z)]  -  KL(q(z|x) || N(0, I))       (eq. 3 of Kingma & Welling)
              `-- reconstruction --'          `-- KL: the price of the code --'

The decoder is **Bernoulli**: each pixel is 0 or 1, so the digits (grey values in [0, 1])
are binarised by drawing each pixel as 1 with probability equal to its grey value
(``binarise``; a fresh draw every batch while training, one fixed draw for the test set).
The ELBO is then a true lower bound on a log-probability, and can be compared with the
independent-pixel baseline (``independent_pixel_nats``) in the same units.

    vae = ConvVAE(VAEConfig(latent=8))
    fit(vae, binarised_batches(digits.x_train, 64), steps=2000)
    evaluate(vae, binarise(digits.x_test, generator=torch.Generator().manual_seed(0)))
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..data.image import augment


@dataclass
class VAEConfig:
    size: int = 16                    # image height = width; divisible by 4 (two stride-2 convolutions)
    latent: int = 8                   # dimension of z
    channels: tuple[int, int] = (32, 64)
    beta: float = 1.0                 # weight of the KL term in the loss (1: the true ELBO; beta-VAE: > 1)


# --------------------------------------------------------------------------- the three formulas
def reparameterise(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """z = mu + sigma * eps with eps ~ N(0, I): a sample of N(mu, sigma^2) that gradients flow through.

    The randomness sits in eps, which does not depend on the encoder, so d z / d mu = 1 and
    d z / d sigma = eps: the "reparameterisation trick" (section 2.4 of Kingma & Welling).
    """
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + torch.exp(0.5 * logvar) * eps


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """(B,) KL(N(mu, diag(exp(logvar))) || N(0, I)) in nats, in closed form (appendix B of Kingma & Welling):
    0.5 * sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """(B,) log p(x|z) = sum over pixels of x log p + (1 - x) log (1 - p), with p = sigmoid(logits)."""
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(dim=1)


# --------------------------------------------------------------------------- data
def binarise(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each pixel becomes 1 with probability equal to its grey value (stochastic binarisation)."""
    return torch.bernoulli(x, generator=generator)


def binarised_batches(x: torch.Tensor, batch: int, *, seed: int = 0, warp: bool = True):
    """A callable returning fresh batches (B, 1, S, S) of 0/1 digits for ``fit``: random rows,
    a small random warp (``augment``) when ``warp``, then a fresh binarisation."""
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        images = x[torch.randint(len(x), (batch,), generator=generator)]
        if warp:
            images = augment(images, generator=generator)
        return binarise(images.clamp(0, 1), generator=generator)

    return next_batch


def independent_pixel_nats(x_train: torch.Tensor, x_test_binary: torch.Tensor) -> float:
    """The trivial baseline: mean -log p(x) (nats per image) of 0/1 test images when every pixel is an
    independent Bernoulli with the training set's mean grey value at that pixel."""
    p = x_train.float().mean(dim=0, keepdim=True).clamp(1e-3, 1 - 1e-3)          # (1, 1, S, S)
    logits = torch.log(p) - torch.log1p(-p)
    return float(-bernoulli_log_likelihood(logits.expand_as(x_test_binary), x_test_binary).mean())


# --------------------------------------------------------------------------- the model
class ConvVAE(nn.Module):
    """Encoder: two stride-2 convolutions and a linear layer to (mu, logvar).
    Decoder: a linear layer and two stride-2 transposed convolutions to one logit per pixel."""

    def __init__(self, config: VAEConfig = VAEConfig()):
        super().__init__()
        self.config = config
        c1, c2 = config.channels
        s = config.size // 4
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c1, 4, stride=2, padding=1), nn.SiLU(),       # (B, c1, S/2, S/2)
            nn.Conv2d(c1, c2, 4, stride=2, padding=1), nn.SiLU(),      # (B, c2, S/4, S/4)
            nn.Flatten(),
            nn.Linear(c2 * s * s, 2 * config.latent),                  # (B, 2 * latent): mu and logvar
        )
        self.decoder = nn.Sequential(
            nn.Linear(config.latent, c2 * s * s), nn.SiLU(),
            nn.Unflatten(1, (c2, s, s)),                                # (B, c2, S/4, S/4)
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.SiLU(),   # (B, c1, S/2, S/2)
            nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1),              # (B, 1, S, S) logits
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x): its mean and log-variance, each (B, latent)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-10, 10)                               # keep exp(logvar) finite early in training

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """p(x|z): one Bernoulli logit per pixel, (B, 1, S, S)."""
        return self.decoder(z)

    def elbo_terms(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Single-sample estimates, each (B,) in nats: reconstruction log p(x|z), KL, and their difference."""
        mu, logvar = self.encode(x)
        z = reparameterise(mu, logvar, generator)
        reconstruction = bernoulli_log_likelihood(self.decode(z), x)
        kl = kl_to_standard_normal(mu, logvar)
        return {"reconstruction": reconstruction, "kl": kl, "elbo": reconstruction - kl}

    def loss(self, batch) -> torch.Tensor:
        """Negative ELBO per image (nats), with the KL weighted by ``config.beta``."""
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        terms = self.elbo_terms(x)
        return (self.config.beta * terms["kl"] - terms["reconstruction"]).mean()

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """n images (n, 1, S, S): pixel probabilities decoded from z ~ N(0, I)."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.config.latent, generator=generator).to(device)
        return torch.sigmoid(self.decode(z))

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Pixel probabilities decoded from the mean of q(z|x)."""
        return torch.sigmoid(self.decode(self.encode(x)[0]))


# --------------------------------------------------------------------------- evaluation
@torch.no_grad()
def evaluate(model: ConvVAE, x: torch.Tensor, *, samples: int = 10, seed: int = 0) -> dict[str, float]:
    """Mean reconstruction, KL and ELBO (nats per image) over 0/1 images ``x``, each image's
    reconstruction term averaged over ``samples`` draws of z (the KL is exact)."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    totals = {"reconstruction": 0.0, "kl": 0.0, "elbo": 0.0}
    for _ in range(samples):
        for i in range(0, len(x), 512):
            mu, logvar = model.encode(x[i:i + 512].to(device))
            eps = torch.randn(mu.shape, generator=generator).to(device)
            z = mu + torch.exp(0.5 * logvar) * eps
            reconstruction = bernoulli_log_likelihood(model.decode(z), x[i:i + 512].to(device))
            kl = kl_to_standard_normal(mu, logvar)
            totals["reconstruction"] += float(reconstruction.sum())
            totals["kl"] += float(kl.sum())
            totals["elbo"] += float((reconstruction - kl).sum())
    return {k: v / (samples * len(x)) for k, v in totals.items()}


@torch.no_grad()
def importance_weighted_log_likelihood(model: ConvVAE, x: torch.Tensor, *, k: int = 64, seed: int = 0) -> torch.Tensor:
    """(B,) a tighter estimate of log p(x): log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x), z_i ~ q(z|x)
    (Burda et al. 2016). k = 1 is the ELBO estimate; it rises towards log p(x) as k grows."""
    generator = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    x = x.to(device)
    mu, logvar = model.encode(x)                                       # each (B, L)
    std = torch.exp(0.5 * logvar)
    log_weights = []
    for _ in range(k):
        eps = torch.randn(mu.shape, generator=generator).to(device)
        z = mu + std * eps
        log_p_x_given_z = bernoulli_log_likelihood(model.decode(z), x)
        log_p_z = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)
        log_q_z = (-0.5 * eps.pow(2) - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
        log_weights.append(log_p_x_given_z + log_p_z - log_q_z)
    return torch.logsumexp(torch.stack(log_weights), dim=0) - math.log(k)


@torch.no_grad()
def interpolate(model: ConvVAE, x_a: torch.Tensor, x_b: torch.Tensor, steps: int = 8) -> torch.Tensor:
    """(steps, 1, S, S): decoded images along the straight line between the latent means of two images."""
    z_a, z_b = model.encode(x_a[None])[0], model.encode(x_b[None])[0]     # each (1, L)
    t = torch.linspace(0, 1, steps, device=z_a.device)[:, None]         # (steps, 1)
    return torch.sigmoid(model.decode((1 - t) * z_a + t * z_b))
