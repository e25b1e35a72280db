"""CycleGAN (Zhu, Park, Isola and Efros, 2017): image-to-image translation learned from unpaired sets.

Two domains, A and B (here: shapes drawn filled, and the same kind of shapes drawn as outlines),
and no pairs: no image of A has its counterpart in B. Four networks:

    G_ab: A -> B and G_ba: B -> A          generators (U-Nets, ``aigc_lab.image.unet``)
    D_a, D_b                               PatchGAN discriminators: one real/fake score per image patch

The generator objective for a batch (a from A, b from B), with least-squares GAN losses
(Mao et al. 2017, which the paper uses because they train more steadily than the log loss):

    adversarial   (D_b(G_ab(a)) - 1)^2 + (D_a(G_ba(b)) - 1)^2              fool each discriminator
    cycle         |G_ba(G_ab(a)) - a|_1 + |G_ab(G_ba(b)) - b|_1            eq. (2) of the paper
    identity      |G_ab(b) - b|_1 + |G_ba(a) - a|_1                        leave the target domain alone
    total         adversarial + lambda_cycle * cycle + lambda_identity * lambda_cycle * identity   eq. (3)

and each discriminator minimises 1/2 [(D(real) - 1)^2 + D(fake)^2].

The adversarial term alone lets G_ab map every a to *some* plausible b; the cycle term asks that
the b still carries enough of a to get a back, which ties each output to its input. The cycle term
alone is solved by the identity map, so a low cycle error proves nothing by itself: the notebook
also asks an independent domain classifier whether the translations look like the other domain.

    model = CycleGAN(CycleGANConfig())
    history = train_cyclegan(model, batches, steps=400)     # batches() -> (a (B,3,H,W), b (B,3,H,W))
    fake_b = model.translate(a, "a2b")                      # (B, 3, H, W) in [0, 1]
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import runtime
from ..image.unet import UNet, UNetConfig
from ..image.vgg import receptive_field
from ..train import _batches, to_device

DIRECTIONS = ("a2b", "b2a")


@dataclass
class CycleGANConfig:
    channels: int = 3              # colour channels of both domains
    width: int = 16                # generator U-Net's channels at full resolution
    depth: int = 2                 # generator U-Net's down-samplings (H, W divisible by 2**depth)
    disc_width: int = 16           # discriminator's first-layer channels, doubled twice
    lambda_cycle: float = 10.0     # weight of the cycle loss (the paper's lambda)
    lambda_identity: float = 0.5   # identity weight, as a fraction of lambda_cycle (the paper's 0.5)


# ---------------------------------------------------------------------------------- the losses
def lsgan_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """Least-squares GAN, discriminator side: 1/2 [mean (D(real) - 1)^2 + mean D(fake)^2]."""
    return 0.5 * ((real_scores - 1).pow(2).mean() + fake_scores.pow(2).mean())


def lsgan_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """Least-squares GAN, generator side: mean (D(G(x)) - 1)^2, i.e. make every patch score 'real'."""
    return (fake_scores - 1).pow(2).mean()


def cycle_loss(original: torch.Tensor, reconstructed: torch.Tensor) -> torch.Tensor:
    """Mean absolute error |F(G(x)) - x|_1 per pixel and channel (the paper's L1)."""
    return (reconstructed - original).abs().mean()


# Pixels of the input that one output score sees, for conv layers [(kernel, stride), ...] in order: the image
# chapter's rule (r = 1 + sum_i (k_i - 1) * prod_{j<i} s_j). pix2pix's "70x70 PatchGAN" is
# [(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)] -> 70.
patch_receptive_field = receptive_field


# ---------------------------------------------------------------------------------- the networks
class Generator(nn.Module):
    """A U-Net that predicts a change to its input, in logit space: G(x) = sigmoid(logit(x) + U(x)).

    U's last layer starts at zero, so an untrained G is (almost) the identity: cycle and identity
    losses start near 0 and the adversarial loss has to earn every change. Training from a random
    grey output instead costs hundreds of steps just to learn to copy the input.
    """

    def __init__(self, config: CycleGANConfig):
        super().__init__()
        self.net = UNet(UNetConfig(in_channels=config.channels, out_channels=config.channels, depth=config.depth,
                                   base_width=config.width, norm="group", up="transpose"))
        nn.init.zeros_(self.net.head.weight)
        nn.init.zeros_(self.net.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        start = torch.logit(x.clamp(0.01, 0.99))      # (B, C, H, W): the input, as logits
        return torch.sigmoid(start + self.net(x))     # (B, C, H, W) in (0, 1)


class PatchDiscriminator(nn.Module):
    """PatchGAN (Isola et al. 2017): a fully convolutional net giving a grid of real/fake scores,
    one per overlapping patch, so it judges local texture and edges rather than the whole layout.

    (B, C, 32, 32) -> 16 -> 8 -> 7 -> (B, 1, 6, 6); each score sees a 34 x 34 patch (see LAYERS).
    """

    LAYERS = [(4, 2), (4, 2), (4, 1), (4, 1)]         # (kernel, stride) of the four convolutions

    def __init__(self, config: CycleGANConfig):
        super().__init__()
        w = config.disc_width
        self.net = nn.Sequential(
            nn.Conv2d(config.channels, w, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.GroupNorm(min(8, 2 * w), 2 * w), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 4, 1, 1), nn.GroupNorm(min(8, 4 * w), 4 * w), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * w, 1, 4, 1, 1),                # raw scores: least squares wants no sigmoid
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)                             # (B, 1, H/4 - 2, W/4 - 2)


class CycleGAN(nn.Module):
    def __init__(self, config: CycleGANConfig):
        super().__init__()
        self.config = config
        self.G_ab, self.G_ba = Generator(config), Generator(config)
        self.D_a, self.D_b = PatchDiscriminator(config), PatchDiscriminator(config)

    def generators(self) -> list[nn.Parameter]:
        return [*self.G_ab.parameters(), *self.G_ba.parameters()]

    def discriminators(self) -> list[nn.Parameter]:
        return [*self.D_a.parameters(), *self.D_b.parameters()]

    def _check(self, x: torch.Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != self.config.channels:
            raise ValueError(f"expected images (B, {self.config.channels}, H, W), got {tuple(x.shape)}")

    def generator_losses(self, batch) -> dict[str, torch.Tensor]:
        """Every term of the generator objective for a batch (a, b) of unpaired images, and their weighted total."""
        a, b = batch
        self._check(a)
        self._check(b)
        c = self.config
        fake_b, fake_a = self.G_ab(a), self.G_ba(b)                       # translations
        terms = {
            "adversarial": lsgan_generator_loss(self.D_b(fake_b)) + lsgan_generator_loss(self.D_a(fake_a)),
            "cycle": cycle_loss(a, self.G_ba(fake_b)) + cycle_loss(b, self.G_ab(fake_a)),
        }
        terms["identity"] = (cycle_loss(b, self.G_ab(b)) + cycle_loss(a, self.G_ba(a))
                             if c.lambda_identity > 0 else torch.zeros((), device=a.device))
        terms["total"] = (terms["adversarial"] + c.lambda_cycle * terms["cycle"]
                          + c.lambda_identity * c.lambda_cycle * terms["identity"])
        terms["fake_a"], terms["fake_b"] = fake_a, fake_b                 # reused by the discriminators' step
        return terms

    def loss(self, batch) -> torch.Tensor:
        """The generators' training objective (eq. 3). The discriminators train on ``discriminator_loss``."""
        return self.generator_losses(batch)["total"]

    def discriminator_loss(self, batch, fake_a: torch.Tensor, fake_b: torch.Tensor) -> torch.Tensor:
        """Both discriminators' least-squares losses; the fakes are detached so this step leaves G alone."""
        a, b = batch
        return (lsgan_discriminator_loss(self.D_a(a), self.D_a(fake_a.detach()))
                + lsgan_discriminator_loss(self.D_b(b), self.D_b(fake_b.detach())))

    @torch.no_grad()
    def translate(self, images: torch.Tensor, direction: str = "a2b", batch: int = 256) -> torch.Tensor:
        """Translate (N, C, H, W) images A -> B ("a2b") or B -> A ("b2a"), in eval mode, in chunks."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
        self._check(images)
        net = self.G_ab if direction == "a2b" else self.G_ba
        was_training = net.training
        net.eval()
        dev = next(net.parameters()).device
        out = torch.cat([net(images[i:i + batch].to(dev)).float().cpu() for i in range(0, len(images), batch)])
        net.train(was_training)
        return out

    @torch.no_grad()
    def translate_video(self, videos: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """(N, T, C, H, W) -> (N, T, C, H, W): every frame on its own, with no idea of time."""
        n, t = videos.shape[:2]
        return self.translate(videos.flatten(0, 1), direction).view(n, t, *videos.shape[2:])


# ---------------------------------------------------------------------------------- training
@dataclass
class CycleGANHistory:
    steps: list[int] = field(default_factory=list)         # step of each log
    d_loss: list[float] = field(default_factory=list)       # both discriminators, mean since the last log
    adversarial: list[float] = field(default_factory=list)  # generator terms, means since the last log
    cycle: list[float] = field(default_factory=list)
    identity: list[float] = field(default_factory=list)
    seconds: float = 0.0


def train_cyclegan(model: CycleGAN, data, *, steps: int, lr: float = 2e-4, betas: tuple[float, float] = (0.5, 0.999),
                   device: torch.device | str | None = None, amp: bool | None = None, log_every: int = 20,
                   max_seconds: float | None = None,
                   on_step_end: Callable[[int, CycleGAN], None] | None = None) -> CycleGANHistory:
    """Alternate Adam steps: both generators on ``model.loss``, then both discriminators.

    data    a callable returning (a, b), unpaired image batches of domains A and B, or an iterable of them
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    next_batch = _batches(data)
    # ---- device and precision, in one place
    dev = runtime.device(device) if not isinstance(device, torch.device) else device
    model.to(dev).train()
    precision = runtime.autocast(dev, enabled=amp)
    opt_g = torch.optim.Adam(model.generators(), lr=lr, betas=betas)
    opt_d = torch.optim.Adam(model.discriminators(), lr=lr, betas=betas)
    history, sums, since, started = CycleGANHistory(), {}, 0, time.perf_counter()
    for step in range(steps):
        batch = to_device(next_batch(), dev)
        # 1. generators: the discriminators' weights are frozen for this step
        model.D_a.requires_grad_(False)
        model.D_b.requires_grad_(False)
        with precision:
            terms = model.generator_losses(batch)
        opt_g.zero_grad(set_to_none=True)
        terms["total"].backward()
        opt_g.step()
        model.D_a.requires_grad_(True)
        model.D_b.requires_grad_(True)
        # 2. discriminators: real patches -> 1, translated patches -> 0
        with precision:
            d_loss = model.discriminator_loss(batch, terms["fake_a"], terms["fake_b"])
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # ---- logging
        for name, value in (("d_loss", d_loss), ("adversarial", terms["adversarial"]), ("cycle", terms["cycle"]),
                            ("identity", terms["identity"])):
            sums[name] = sums.get(name, 0.0) + float(value.detach())
        since += 1
        out_of_time = max_seconds is not None and time.perf_counter() - started > max_seconds
        if since == log_every or step == steps - 1 or out_of_time:
            history.steps.append(step + 1)
            for name in sums:
                getattr(history, name).append(sums[name] / since)
            sums, since = {}, 0
        if on_step_end is not None:
            on_step_end(step, model)
        if out_of_time:
            break
    history.seconds = time.perf_counter() - started
    model.eval()
    return history
