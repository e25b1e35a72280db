"""DCGAN (Radford et al. 2016) for 16x16 digits, and its class-conditional variant.

A GAN is two networks playing a game. The **generator** G turns random noise z into an
image; the **discriminator** D looks at an image and scores how real it seems. D is
trained to tell real digits from G's output, G to make D score its output as real
(``aigc_lab.image.gan_training`` has the losses and the two-optimiser loop).

DCGAN's recipe for convolutional GANs, followed here: transposed convolutions that
double the resolution in G (with batch norm and ReLU), strided convolutions that halve
it in D (with LeakyReLU), no pooling, and Adam with beta1 = 0.5.

**Class-conditional** (``classes=10``, Mirza & Osindero 2014): G gets the requested
digit as a learned embedding concatenated to z; D scores "a real image *of this class*"
with a projection (Miyato & Koyama 2018): ``D(x, y) = w . h(x) + embed(y) . h(x)``.

    G, D = Generator(DCGANConfig(classes=10)), Discriminator(DCGANConfig(classes=10))
    images = G.sample(100, labels=torch.arange(100) % 10)       # (100, 1, 16, 16) in [0, 1]
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class DCGANConfig:
    size: int = 16                 # image height = width; divisible by 4
    latent: int = 32               # dimension of the noise z
    channels: int = 64             # base width: G has 2c channels at S/4, c at S/2, c/2 at S; D the reverse
    classes: int = 0               # 0: unconditional; > 0: class-conditional on labels 0 .. classes-1
    minibatch_std: bool = False    # D sees the spread of its batch (a countermeasure to mode collapse)
    dropout: float = 0.0           # dropout before D's last layer (slows D's memorising a small data set)


class Generator(nn.Module):
    """z (B, latent) [+ label] -> image (B, 1, S, S) in [0, 1]."""

    def __init__(self, config: DCGANConfig = DCGANConfig()):
        super().__init__()
        self.config = config
        c, s = config.channels, config.size // 4
        self.embed = nn.Embedding(config.classes, config.latent) if config.classes else None
        inputs = config.latent * (2 if config.classes else 1)          # z, concatenated with the label embedding
        self.project = nn.Sequential(nn.Linear(inputs, 2 * c * s * s), nn.BatchNorm1d(2 * c * s * s), nn.ReLU())
        self.body = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU(),            # (B, c, S/2, S/2)
            nn.ConvTranspose2d(c, c // 2, 4, stride=2, padding=1), nn.BatchNorm2d(c // 2), nn.ReLU(),      # (B, c/2, S, S)
            nn.Conv2d(c // 2, 1, 3, padding=1),                                                            # (B, 1, S, S)
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            if labels is None:
                raise ValueError("this generator is class-conditional: pass labels (B,) of class ids")
            z = torch.cat([z, self.embed(labels)], dim=1)              # (B, 2 * latent)
        c, s = self.config.channels, self.config.size // 4
        h = self.project(z).view(-1, 2 * c, s, s)                      # (B, 2c, S/4, S/4)
        return torch.sigmoid(self.body(h))

    @torch.no_grad()
    def sample(self, n: int, labels: torch.Tensor | None = None, *, seed: int = 0) -> torch.Tensor:
        """n images (n, 1, S, S) in [0, 1], in eval mode (batch norm uses its running statistics)."""
        return sample(self, n, labels, seed=seed)


class Discriminator(nn.Module):
    """image (B, 1, S, S) [+ label] -> one logit per image (B,): high means "looks real"."""

    def __init__(self, config: DCGANConfig = DCGANConfig()):
        super().__init__()
        self.config = config
        c, s = config.channels, config.size // 4
        self.body = nn.Sequential(
            nn.Conv2d(1, c // 2, 3, padding=1), nn.LeakyReLU(0.2),                   # (B, c/2, S, S)
            nn.Conv2d(c // 2, c, 4, stride=2, padding=1), nn.LeakyReLU(0.2),          # (B, c, S/2, S/2)
            nn.Conv2d(c, 2 * c, 4, stride=2, padding=1), nn.LeakyReLU(0.2),           # (B, 2c, S/4, S/4)
        )
        features = 2 * c * s * s + (1 if config.minibatch_std else 0)
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(features, 1)
        self.embed = nn.Embedding(config.classes, features) if config.classes else None

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.body(x).flatten(1)                                      # (B, 2c * S/4 * S/4)
        if self.config.minibatch_std:
            h = torch.cat([h, minibatch_std(h)], dim=1)                  # (B, features): one more feature
        h = self.dropout(h)
        logit = self.out(h).squeeze(1)                                   # (B,)
        if self.embed is not None:
            if labels is None:
                raise ValueError("this discriminator is class-conditional: pass labels (B,) of class ids")
            logit = logit + (self.embed(labels) * h).sum(dim=1)          # projection: "real, and of class y"
        return logit


def minibatch_std(h: torch.Tensor) -> torch.Tensor:
    """(B, 1): the standard deviation of each feature across the batch, averaged to one number and given
    to every image as an extra feature (Karras et al. 2018, section 3). A batch of near-identical fakes
    has a tell-tale small value that D can learn to reject."""
    std = h.float().std(dim=0, unbiased=False).mean()                 # one scalar for the whole batch
    return std.to(h.dtype).expand(h.shape[0], 1)


@torch.no_grad()
def sample(generator: nn.Module, n: int, labels: torch.Tensor | None = None, *, seed: int = 0,
           batch: int = 500, **kwargs) -> torch.Tensor:
    """n images (n, 1, S, S) in [0, 1] from any generator with ``config.latent`` and ``forward(z, labels)``,
    in eval mode and in batches, on the generator's device; returned on the CPU."""
    was_training = generator.training
    generator.eval()
    device = next(generator.parameters()).device
    rng = torch.Generator().manual_seed(seed)
    z = torch.randn(n, generator.config.latent, generator=rng)
    if generator.config.classes and labels is None:
        raise ValueError("a class-conditional generator needs labels (n,)")
    out = []
    for i in range(0, n, batch):
        lab = None if labels is None else labels[i:i + batch].to(device)
        out.append(generator(z[i:i + batch].to(device), lab, **kwargs).float().cpu())
    generator.train(was_training)
    return torch.cat(out)


def collapsed_generator_samples(image: torch.Tensor, n: int) -> torch.Tensor:
    """The worst case of mode collapse: the same image n times, (n, 1, S, S). A trivial baseline."""
    return image.expand(n, *image.shape[-3:]).clone()


def discriminator_accuracy(D: nn.Module, real: torch.Tensor, fake: torch.Tensor, labels=None) -> float:
    """Fraction of real images scored > 0 and fake images scored < 0 (how clearly D tells them apart)."""
    with torch.no_grad():
        real_ok = (D(real, labels) > 0).float().mean()
        fake_ok = (D(fake, labels) < 0).float().mean()
    return float((real_ok + fake_ok) / 2)

