"""Denoising diffusion probabilistic models (DDPM, Ho, Jain and Abbeel 2020): the noise schedule and the loss.

The forward process adds a little Gaussian noise at each of T steps,

    q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I)                      eq. (2)

and because Gaussians compose, any x_t can be drawn from x_0 in one go:

    q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I),  abar_t = prod_{s<=t} (1 - beta_s)      eq. (4)

A network eps_theta(x_t, t) is trained to predict the noise that was added, by the
"simple" loss

    L_simple = E_{t, x_0, eps} || eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t) ||^2   eq. (14)

and generating means running the process backwards from pure noise, one denoising
step at a time. That part lives in ``samplers.py``, separate from the model: the
same trained network can be sampled by the ancestral DDPM sampler or by DDIM.

    schedule = NoiseSchedule.linear(T=1000)
    model = DDPM(DiffusionUNet(UNetConfig(num_classes=10)), schedule)
    history = fit(model, batches, steps=2000)        # batches yield (images in [-1, 1], labels)

Step numbers: the paper counts t = 1..T; the tensors here are indexed 0..T-1, so
``alpha_bars[i]`` is abar_{t = i + 1}, and the network is given the index i.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..train import EMA  # noqa: F401  (the weight average that samplers use; it lives in aigc_lab.train since
#                          the GANs use it too, and stays importable from here)


class NoiseSchedule(nn.Module):
    """beta_1..beta_T and the quantities derived from them, as buffers (they follow the model to its device)."""

    def __init__(self, betas: torch.Tensor):
        super().__init__()
        betas = torch.as_tensor(betas, dtype=torch.float64)
        if betas.ndim != 1 or not bool(((betas > 0) & (betas < 1)).all()):
            raise ValueError("betas must be a 1-D tensor of values strictly between 0 and 1")
        alphas = 1.0 - betas                                          # alpha_t = 1 - beta_t
        alpha_bars = torch.cumprod(alphas, dim=0)                     # abar_t = prod_{s<=t} alpha_s, eq. (4)
        prev = torch.cat([torch.ones(1, dtype=torch.float64), alpha_bars[:-1]])   # abar_{t-1}, with abar_0 = 1
        # Kept in float64: 1 - abar_t is tiny at small t and the samplers divide by it.
        self.register_buffer("betas", betas)
        self.register_buffer("alphas", alphas)
        self.register_buffer("alpha_bars", alpha_bars)
        self.register_buffer("alpha_bars_prev", prev)
        # variance of the forward-process posterior q(x_{t-1} | x_t, x_0):
        # beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) * beta_t                   eq. (7)
        self.register_buffer("posterior_variance", (1 - prev) / (1 - alpha_bars) * betas)

    @property
    def T(self) -> int:
        return len(self.betas)

    @classmethod
    def linear(cls, T: int = 1000, beta_1: float = 1e-4, beta_T: float = 0.02) -> "NoiseSchedule":
        """Ho et al.'s schedule: beta rises linearly from 1e-4 to 0.02 over T = 1000 steps (section 4).

        For another T the end points are scaled by 1000 / T, so that the total noise added is about the same.
        """
        scale = 1000 / T
        return cls(torch.linspace(beta_1 * scale, min(beta_T * scale, 0.999), T, dtype=torch.float64))

    @classmethod
    def cosine(cls, T: int = 1000, s: float = 0.008) -> "NoiseSchedule":
        """Nichol and Dhariwal's (2021) schedule: abar_t = cos^2(((t / T + s) / (1 + s)) * pi / 2), eq. (17).

        It destroys information more evenly across steps than the linear one, which on small images
        wastes many of its last steps on almost pure noise.
        """
        steps = torch.arange(T + 1, dtype=torch.float64)
        f = torch.cos((steps / T + s) / (1 + s) * math.pi / 2) ** 2
        alpha_bars = f / f[0]
        return cls((1 - alpha_bars[1:] / alpha_bars[:-1]).clamp(1e-8, 0.999))

    @staticmethod
    def _gather(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """values[t] shaped (B, 1, 1, 1) to broadcast over images, in the images' dtype."""
        return values[t].to(like.dtype).view(-1, *([1] * (like.ndim - 1)))

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Draw x_t ~ q(x_t | x_0) in one step: sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps.      eq. (4)"""
        abar = self._gather(self.alpha_bars, t, x0)
        return abar.sqrt() * x0 + (1 - abar).sqrt() * noise

    def predict_x0(self, x_t: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """Invert eq. (4) for x_0 given the noise: x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)."""
        abar = self._gather(self.alpha_bars, t, x_t)
        return (x_t - (1 - abar).sqrt() * eps) / abar.sqrt()

    def posterior_mean(self, x0: torch.Tensor, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Mean of q(x_{t-1} | x_t, x_0):                                                        eq. (7)

        mu_tilde = sqrt(abar_{t-1}) beta_t / (1 - abar_t) x_0 + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t
        """
        abar, prev = self._gather(self.alpha_bars, t, x_t), self._gather(self.alpha_bars_prev, t, x_t)
        beta, alpha = self._gather(self.betas, t, x_t), self._gather(self.alphas, t, x_t)
        return prev.sqrt() * beta / (1 - abar) * x0 + alpha.sqrt() * (1 - prev) / (1 - abar) * x_t


class DDPM(nn.Module):
    """The trainable diffusion model: a noise-predicting network plus its schedule, with ``loss(batch)``.

    ``batch`` is images x_0 in [-1, 1] of shape (B, C, H, W), or a tuple (x_0, labels), or a dict with
    keys ``x`` and optionally ``labels``, ``cond``, ``cond_image`` (see ``diffusion_unet``).
    ``p_uncond`` is the probability of hiding the condition from the network for a training example,
    so that it also learns the unconditional model needed by classifier-free guidance.
    """

    def __init__(self, net: nn.Module, schedule: NoiseSchedule, *, p_uncond: float = 0.1):
        super().__init__()
        self.net, self.schedule, self.p_uncond = net, schedule, p_uncond

    @staticmethod
    def unpack(batch) -> tuple[torch.Tensor, dict]:
        """(x_0, conditioning keywords for the network) from any of the batch forms above."""
        if torch.is_tensor(batch):
            return batch, {}
        if isinstance(batch, dict):
            return batch["x"], {k: batch[k] for k in ("labels", "cond", "cond_image") if k in batch}
        x, labels = batch
        return x, {"labels": labels}

    def predict_noise(self, x_t: torch.Tensor, t: torch.Tensor, **condition) -> torch.Tensor:
        """eps_theta(x_t, t, condition), in float32 whatever precision the network ran in."""
        x_t = x_t.contiguous(memory_format=torch.channels_last)   # faster convolutions, on GPUs and CPUs alike
        return self.net(x_t, t, **condition).float()

    def loss(self, batch) -> torch.Tensor:
        """L_simple of eq. (14): the mean squared error between the added and the predicted noise."""
        x0, condition = self.unpack(batch)
        b = x0.shape[0]
        t = torch.randint(0, self.schedule.T, (b,), device=x0.device)       # t ~ Uniform{1, ..., T}
        noise = torch.randn_like(x0)                                         # eps ~ N(0, I)
        x_t = self.schedule.q_sample(x0, t, noise)                           # eq. (4)
        if condition and self.p_uncond > 0:                                  # classifier-free guidance training:
            condition["drop"] = torch.rand(b, device=x0.device) < self.p_uncond   # hide the condition sometimes
        return F.mse_loss(self.predict_noise(x_t, t, **condition), noise)
