"""A conditional space-time VAE: short clips from noise, given what should move and how.

    model = ClipVAE(ClipVAEConfig(classes=len(MOTIONS)))
    loss = model.loss((videos, motions))          # videos (B, T, C, H, W) in [0, 1], motions (B,) int64
    clips = model.generate(torch.tensor([0, 4]))  # (2, T, C, H, W): one clip moving left, one spinning clockwise

The whole clip is one sample: the encoder reads it with 3D convolutions (over time and space at once)
into a latent code z, and the decoder draws every frame from z and the requested motion label y with
3D transposed convolutions, so the frames come out together and agree with each other.

    encoder   x (B, C, T, H, W) -> conv3d x 3 -> flatten -> [., onehot(y)] -> linear -> mu, log sigma^2  (B, latent)
    decoder   [z, onehot(y)] -> linear -> (B, 4c, T/4, H/8, W/8) -> conv-transpose3d x 3 -> logits (B, C, T, H, W)

Training maximises the conditional ELBO (Kingma and Welling 2014; Sohn et al. 2015):

    log p(x | y) >= E_q(z|x,y)[log p(x | z, y)] - KL(q(z | x, y) || N(0, I))

with a Bernoulli-style likelihood on pixel intensities (binary cross-entropy summed over the clip)
and ``beta`` weighting the KL term. To generate, draw z ~ N(0, I): z picks the shape, colour, place and
speed, y the motion.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ClipVAEConfig:
    channels: int = 3         # colour channels of a frame
    frames: int = 8           # T; divisible by 4 (two time-halving layers)
    size: int = 16            # H = W; divisible by 8
    classes: int = 6          # motion labels, e.g. len(MOTIONS)
    width: int = 16           # c: channels of the first 3D conv, doubled twice
    latent: int = 16          # dimension of z
    beta: float = 1.0         # weight of the KL term (1: the true ELBO)


def compose_two_stream(mask: torch.Tensor, foreground: torch.Tensor, background: torch.Tensor) -> torch.Tensor:
    """VideoGAN's output (Vondrick, Pirsiavash and Torralba 2016): m * f + (1 - m) * b.

    mask (B, T, 1, H, W) in [0, 1] and foreground (B, T, C, H, W) come from a 3D (space-time) stream;
    background (B, C, H, W) from a 2D stream, one still image repeated over every frame. The scene
    behind the moving object cannot flicker, by construction. ``ClipVAE`` has one stream instead and
    must learn to keep the background still.
    """
    return mask * foreground + (1 - mask) * background[:, None]


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """(B,) KL(N(mu, sigma^2) || N(0, I)) = 1/2 sum(mu^2 + sigma^2 - log sigma^2 - 1), summed over the latent."""
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)


class ClipVAE(nn.Module):
    def __init__(self, config: ClipVAEConfig):
        super().__init__()
        if config.frames % 4 or config.size % 8:
            raise ValueError(f"frames must be divisible by 4 and size by 8, got {config.frames} and {config.size}")
        self.config = config
        c = config.width
        self.hidden = (4 * c, config.frames // 4, config.size // 8, config.size // 8)   # (4c, T/4, H/8, W/8)
        flat = 4 * c * (config.frames // 4) * (config.size // 8) ** 2
        self.encoder = nn.Sequential(
            nn.Conv3d(config.channels, c, (3, 4, 4), (1, 2, 2), 1), nn.SiLU(),   # (c, T, H/2, W/2): space only
            nn.Conv3d(c, 2 * c, 4, 2, 1), nn.SiLU(),                             # (2c, T/2, H/4, W/4)
            nn.Conv3d(2 * c, 4 * c, 4, 2, 1), nn.SiLU(),                         # (4c, T/4, H/8, W/8)
            nn.Flatten(),
        )
        self.to_posterior = nn.Linear(flat + config.classes, 2 * config.latent)  # -> mu, log sigma^2
        self.from_latent = nn.Linear(config.latent + config.classes, flat)
        self.decoder = nn.Sequential(
            nn.SiLU(),
            nn.ConvTranspose3d(4 * c, 2 * c, 4, 2, 1), nn.SiLU(),                # (2c, T/2, H/4, W/4)
            nn.ConvTranspose3d(2 * c, c, 4, 2, 1), nn.SiLU(),                    # (c, T, H/2, W/2)
            nn.ConvTranspose3d(c, config.channels, (3, 4, 4), (1, 2, 2), 1),     # (C, T, H, W) logits
        )

    def _check(self, videos: torch.Tensor) -> None:
        c = self.config
        expected = (c.frames, c.channels, c.size, c.size)
        if videos.dim() != 5 or tuple(videos.shape[1:]) != expected:
            raise ValueError(f"expected videos (B, {', '.join(map(str, expected))}), got {tuple(videos.shape)}")

    def encode(self, videos: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, C, H, W), (B,) -> mu, logvar, each (B, latent)."""
        self._check(videos)
        h = self.encoder(videos.permute(0, 2, 1, 3, 4))                         # Conv3d wants (B, C, T, H, W)
        y = F.one_hot(labels, self.config.classes).to(h.dtype)
        return self.to_posterior(torch.cat([h, y], dim=1)).chunk(2, dim=1)

    def decode(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """(B, latent), (B,) -> logits (B, T, C, H, W)."""
        y = F.one_hot(labels, self.config.classes).to(z.dtype)
        h = self.from_latent(torch.cat([z, y], dim=1)).view(-1, *self.hidden)
        return self.decoder(h).permute(0, 2, 1, 3, 4)

    def losses(self, batch) -> dict[str, torch.Tensor]:
        """Per-clip reconstruction (BCE summed over T, C, H, W) and KL, averaged over the batch, and the loss."""
        videos, labels = batch
        mu, logvar = self.encode(videos, labels)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()                   # reparameterisation trick
        logits = self.decode(z, labels)
        reconstruction = F.binary_cross_entropy_with_logits(logits.float(), videos.float(), reduction="none")
        reconstruction = reconstruction.flatten(1).sum(1).mean()
        kl = kl_to_standard_normal(mu.float(), logvar.float()).mean()
        return {"reconstruction": reconstruction, "kl": kl, "loss": reconstruction + self.config.beta * kl}

    def loss(self, batch) -> torch.Tensor:
        """The negative ELBO per clip (with ``beta`` on the KL), for ``aigc_lab.train.fit``."""
        return self.losses(batch)["loss"]

    @torch.no_grad()
    def reconstruct(self, videos: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The decoder's mean clip for the posterior mean of z: (B, T, C, H, W) in [0, 1]."""
        mu, _ = self.encode(videos, labels)
        return torch.sigmoid(self.decode(mu, labels))

    @torch.no_grad()
    def generate(self, labels: torch.Tensor, *, temperature: float = 1.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """One clip per label: z ~ N(0, temperature^2 I), decoded to (B, T, C, H, W) in [0, 1]."""
        labels = torch.as_tensor(labels, dtype=torch.long)
        if labels.dim() != 1 or (labels.numel() and (labels.min() < 0 or labels.max() >= self.config.classes)):
            raise ValueError(f"labels must be a 1-D tensor of classes in [0, {self.config.classes}), got {labels}")
        dev = next(self.parameters()).device
        z = torch.randn(len(labels), self.config.latent, generator=generator) * temperature
        return torch.sigmoid(self.decode(z.to(dev), labels.to(dev))).float().cpu()
