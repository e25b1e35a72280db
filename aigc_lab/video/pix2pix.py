"""pix2pix (Isola, Zhu, Zhou and Efros, 2017): paired image-to-image translation with a conditional GAN.

    model = Pix2Pix(Pix2PixConfig())
    history = train_pix2pix(model, batches, steps=400)      # batches() -> (source (B,1,H,W), target (B,3,H,W))
    images = model.translate(sources)                       # (B, 3, H, W) in [0, 1]

Two networks:

    G: source -> image       a U-Net (``aigc_lab.image.unet``): skips carry the outline's exact position
    D: (source, image) -> a grid of real/fake logits, one per patch (PatchGAN): D sees the source too,
                              so "real" means "a plausible image *for this outline*" (a conditional GAN)

The objective, eq. (4) of the paper, with the log loss written as binary cross-entropy on logits:

    D minimises   BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)                       tell real pairs from made ones
    G minimises   BCE(D(x, G(x)), 1) + lambda * |G(x) - y|_1                  fool D, and stay near the truth

The L1 term alone already learns the layout but, since L1 is minimised by the median of what could be
there, it hedges where it is unsure (here: which colour a shape gets); the adversarial term punishes
hedged, implausible patches. The paper's lambda is 100.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import runtime
from ..image.unet import UNet, UNetConfig
from ..train import _batches, to_device


@dataclass
class Pix2PixConfig:
    source_channels: int = 1     # the outline drawing
    target_channels: int = 3     # the filled colour image
    width: int = 16              # generator U-Net's channels at full resolution
    depth: int = 3               # U-Net down-samplings (H, W divisible by 2**depth)
    disc_width: int = 16         # discriminator's first-layer channels, doubled once
    lambda_l1: float = 100.0     # weight of the L1 term (the paper's lambda)
    adversarial: bool = True     # False: the L1-only baseline (no discriminator is trained)
    background: float = 0.08     # the targets' plain background value, where the untrained generator starts


class PatchDiscriminator(nn.Module):
    """Conditional PatchGAN: (source (B, Cs, H, W), image (B, Ct, H, W)) -> logits (B, 1, H/4 - 2, W/4 - 2).

    Four 4x4 convolutions with strides 2, 2, 1, 1: each logit sees a 34 x 34 patch of a 32 x 32 pair."""

    def __init__(self, config: Pix2PixConfig):
        super().__init__()
        w = config.disc_width
        self.net = nn.Sequential(
            nn.Conv2d(config.source_channels + config.target_channels, w, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.GroupNorm(min(8, 2 * w), 2 * w), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 2 * w, 4, 1, 1), nn.GroupNorm(min(8, 2 * w), 2 * w), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 1, 4, 1, 1),
        )

    def forward(self, source: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([source, image], dim=1))      # the pair, stacked as channels


class Pix2Pix(nn.Module):
    def __init__(self, config: Pix2PixConfig):
        super().__init__()
        self.config = config
        self.generator = UNet(UNetConfig(in_channels=config.source_channels, out_channels=config.target_channels,
                                         depth=config.depth, base_width=config.width, norm="group"))
        # start by painting the plain background (0.08) everywhere, not grey 0.5: the first hundreds of
        # steps would otherwise go into learning that most of every target is background
        nn.init.constant_(self.generator.head.bias, math.log(config.background / (1 - config.background)))
        self.discriminator = PatchDiscriminator(config)

    def forward(self, source: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.generator(source))            # (B, Ct, H, W) in (0, 1)

    def discriminator_loss(self, source, target, fake) -> torch.Tensor:
        real_logits, fake_logits = self.discriminator(source, target), self.discriminator(source, fake.detach())
        return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))

    def generator_losses(self, source, target, fake) -> dict:
        l1 = (fake - target).abs().mean()
        if not self.config.adversarial:
            return {"l1": l1, "adversarial": torch.zeros((), device=l1.device), "total": self.config.lambda_l1 * l1}
        logits = self.discriminator(source, fake)
        adversarial = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        return {"l1": l1, "adversarial": adversarial, "total": adversarial + self.config.lambda_l1 * l1}

    def loss(self, batch) -> torch.Tensor:
        """The generator's total loss on a (source, target) batch (training alternates; see train_pix2pix)."""
        source, target = batch
        return self.generator_losses(source, target, self(source))["total"]

    @torch.no_grad()
    def translate(self, sources: torch.Tensor, batch: int = 256) -> torch.Tensor:
        self.eval()
        dev = next(self.parameters()).device
        return torch.cat([self(sources[i:i + batch].to(dev)).float().cpu() for i in range(0, len(sources), batch)])


@dataclass
class Pix2PixHistory:
    steps: list = field(default_factory=list)
    l1: list = field(default_factory=list)
    adversarial: list = field(default_factory=list)
    discriminator: list = field(default_factory=list)
    seconds: float = 0.0


def train_pix2pix(model: Pix2Pix, data, *, steps: int, lr: float = 2e-4, betas: tuple[float, float] = (0.5, 0.999),
                  device=None, log_every: int = 10) -> Pix2PixHistory:
    """Alternate one discriminator step and one generator step per batch (Adam, the paper's betas)."""
    dev = runtime.device(device) if not isinstance(device, torch.device) else device
    model.to(dev).train()
    next_batch = _batches(data)
    opt_g = torch.optim.Adam(model.generator.parameters(), lr=lr, betas=betas)
    opt_d = torch.optim.Adam(model.discriminator.parameters(), lr=lr, betas=betas)
    history, started = Pix2PixHistory(), time.perf_counter()
    for step in range(steps):
        source, target = to_device(next_batch(), dev)
        with runtime.autocast(dev):
            fake = model(source)                                  # (B, Ct, H, W)
            d_loss = model.discriminator_loss(source, target, fake) if model.config.adversarial else None
        if d_loss is not None:                                    # 1. D: real pairs -> 1, made pairs -> 0
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        model.discriminator.requires_grad_(False)                 # D frozen: no gradients for its weights
        with runtime.autocast(dev):                               # 2. G: fool the (updated) D, stay close in L1
            losses = model.generator_losses(source, target, fake)
        opt_g.zero_grad(set_to_none=True)
        losses["total"].backward()
        opt_g.step()
        model.discriminator.requires_grad_(True)
        if (step + 1) % log_every == 0 or step + 1 == steps:
            history.steps.append(step + 1)
            history.l1.append(losses["l1"].item())
            history.adversarial.append(losses["adversarial"].item())
            history.discriminator.append(d_loss.item() if d_loss is not None else float("nan"))
    history.seconds = time.perf_counter() - started
    model.eval()
    return history


def foreground_iou(predicted: torch.Tensor, target: torch.Tensor, background: float = 0.08,
                   threshold: float = 0.15) -> torch.Tensor:
    """(N,) intersection over union of the shapes in (N, 3, H, W) images: a pixel is 'shape' when its
    largest colour difference from the plain background exceeds ``threshold``."""
    def mask(images):
        return (images - background).abs().amax(dim=1) > threshold      # (N, H, W) bool
    a, b = mask(predicted), mask(target)
    union = (a | b).sum(dim=(1, 2)).clamp_min(1)
    return (a & b).sum(dim=(1, 2)) / union
