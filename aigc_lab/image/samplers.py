"""Samplers: turn a trained noise predictor into images by running diffusion backwards.

A sampler is separate from the model (diffusers' split: the model predicts, the
sampler steps), so one trained ``DDPM`` can be sampled in different ways:

* ``DDPMSampler``: ancestral sampling, Algorithm 2 of Ho et al. 2020. All T steps, each
  drawing fresh noise: x_{t-1} ~ N(mu_theta(x_t, t), sigma_t^2 I).
* ``DDIMSampler``: Song, Meng and Ermon 2021. Any sub-sequence of the steps (50 instead of
  1,000); ``eta`` = 0 is deterministic (the same noise always gives the same image, and an
  image can be inverted back to its noise), ``eta`` = 1 with every step is DDPM again.

Both accept a condition and a classifier-free guidance scale, and return the
intermediate images for an animation::

    sampler = DDIMSampler(steps=50)
    out = sampler.sample(model, labels=torch.arange(10), guidance=2.0, generator=torch.Generator().manual_seed(0))
    out.images            # (10, 1, 16, 16) in [-1, 1]
    out.frames            # (F, 10, 1, 16, 16): x_t from pure noise (first) to the sample (last)

``model`` is anything with ``schedule`` (a ``NoiseSchedule``) and
``predict_noise(x_t, t, **condition)``, such as ``ddpm.DDPM``; ``condition`` is
``labels``, ``cond`` and/or ``cond_image``, whatever the network was trained with.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import runtime
from .ddpm import NoiseSchedule


@dataclass
class SamplerOutput:
    images: torch.Tensor         # (B, C, H, W) the samples, in the model's range [-1, 1]
    frames: torch.Tensor         # (F, B, C, H, W) x_t at F recorded steps, pure noise first, the samples last
    predicted_x0: torch.Tensor   # (F, B, C, H, W) the model's guess of x_0 at the same steps
    timesteps: list[int]         # step index t (0..T-1) of each frame; -1 for the finished samples


def guided_noise(model, x_t: torch.Tensor, t: torch.Tensor, condition: dict, guidance: float) -> torch.Tensor:
    """Classifier-free guidance (Ho and Salimans 2022): eps = eps(x_t, null) + s * (eps(x_t, c) - eps(x_t, null)).

    s = 1 is the plain conditional model, s = 0 the unconditional one, s > 1 pushes samples further
    towards what the condition asks for, trading variety for fidelity. (The paper writes
    (1 + w) eps_c - w eps_null, eq. (6): the same thing with w = s - 1.) Both predictions come from one
    batched forward pass, the second half with its condition dropped.
    """
    if not condition or guidance == 1.0:
        return model.predict_noise(x_t, t, **condition)
    b = x_t.shape[0]
    doubled = {k: torch.cat([v, v]) for k, v in condition.items()}
    drop = torch.cat([torch.zeros(b, dtype=torch.bool), torch.ones(b, dtype=torch.bool)]).to(x_t.device)
    eps_c, eps_null = model.predict_noise(torch.cat([x_t, x_t]), torch.cat([t, t]), drop=drop, **doubled).chunk(2)
    return eps_null + guidance * (eps_c - eps_null)


class Sampler:
    """The shared loop: start from noise, step from t to t_prev along ``timesteps``, record frames.

    A subclass says which steps to visit (``timesteps``) and how to take one (``step``).
    """

    def __init__(self, *, clip: bool = True):
        self.clip = clip    # clip each predicted x_0 to [-1, 1], the data's range (Ho et al.'s code does)

    def timesteps(self, schedule: NoiseSchedule) -> list[int]:
        raise NotImplementedError

    def step(self, schedule: NoiseSchedule, x_t: torch.Tensor, t: int, t_prev: int, eps: torch.Tensor,
             generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """One denoising step x_t -> x_{t_prev} given the predicted noise; returns (x_prev, predicted x_0)."""
        raise NotImplementedError

    def _x0(self, schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        x0 = schedule.predict_x0(x_t, t, eps)
        return x0.clamp(-1, 1) if self.clip else x0

    @torch.no_grad()
    def sample(self, model, n: int | None = None, *, labels: torch.Tensor | None = None,
               cond: torch.Tensor | None = None, cond_image: torch.Tensor | None = None, guidance: float = 1.0,
               shape: tuple[int, int, int] | None = None, noise: torch.Tensor | None = None,
               generator: torch.Generator | None = None, frames: int = 16, batch_size: int = 1000) -> SamplerOutput:
        """Draw samples. ``n`` images (or one per label / condition row), of ``shape`` (C, H, W), by default the
        network's own. ``noise`` fixes x_T; ``generator`` (a CPU generator) makes the run repeatable.
        ``frames`` is how many intermediate steps to keep for an animation (0: none but the result)."""
        given = next((c for c in (labels, cond, cond_image, noise) if c is not None), None)
        n = len(given) if given is not None else n
        if n is None:
            raise ValueError("say how many samples: pass n, labels, cond, cond_image or noise")
        if shape is None:
            config = model.net.config
            shape = (config.in_channels, config.image_size, config.image_size)
        if noise is None:
            noise = torch.randn(n, *shape, generator=generator)                 # x_T ~ N(0, I), drawn on the CPU
        condition = {"labels": labels, "cond": cond, "cond_image": cond_image}
        outputs = []
        for i in range(0, n, batch_size):                                        # bounded memory for big n
            part = {k: v[i:i + batch_size] for k, v in condition.items() if v is not None}
            outputs.append(self._sample(model, noise[i:i + batch_size], part, guidance, generator, frames))
        return SamplerOutput(torch.cat([o.images for o in outputs]), torch.cat([o.frames for o in outputs], 1),
                             torch.cat([o.predicted_x0 for o in outputs], 1), outputs[0].timesteps)

    def _sample(self, model, noise, condition, guidance, generator, frames) -> SamplerOutput:
        schedule = model.schedule
        device = schedule.betas.device
        condition = {k: v.to(device) for k, v in condition.items()}
        ts = self.timesteps(schedule)
        keep = set(torch.linspace(0, len(ts) - 1, frames).round().long().tolist()) if frames > 1 else set()
        x = noise.to(device)
        kept, kept_x0, kept_t = [x.cpu()], [torch.zeros_like(x, device="cpu")], [ts[0]]
        for i, t in enumerate(ts):
            t_prev = ts[i + 1] if i + 1 < len(ts) else -1                         # -1: done, x_0
            t_batch = torch.full((x.shape[0],), t, dtype=torch.long, device=device)
            with runtime.autocast(device):                                        # bf16 on CUDA, float32 on CPU
                eps = guided_noise(model, x, t_batch, condition, guidance)
            x, x0 = self.step(schedule, x.float(), t, t_prev, eps.float(), generator)
            if i in keep and i + 1 < len(ts):
                kept.append(x.cpu()), kept_x0.append(x0.cpu()), kept_t.append(t_prev)
        kept.append(x.cpu()), kept_x0.append(x.cpu()), kept_t.append(-1)
        if frames <= 1:
            kept, kept_x0, kept_t = kept[-1:], kept_x0[-1:], kept_t[-1:]
        return SamplerOutput(x.cpu(), torch.stack(kept), torch.stack(kept_x0), kept_t)

    @staticmethod
    def _noise_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        return torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)   # on the CPU: repeatable


class DDPMSampler(Sampler):
    """Ancestral sampling (Ho et al. 2020, Algorithm 2): every step t = T..1, fresh noise at each but the last.

    ``variance`` is sigma_t^2: "posterior" uses beta_tilde_t of eq. (7), the variance of
    q(x_{t-1} | x_t, x_0); "beta" uses beta_t. Ho et al. found both give similar samples (section 3.2).
    """

    def __init__(self, *, variance: str = "posterior", clip: bool = True):
        super().__init__(clip=clip)
        if variance not in ("posterior", "beta"):
            raise ValueError(f"variance must be 'posterior' or 'beta', not {variance!r}")
        self.variance = variance

    def timesteps(self, schedule: NoiseSchedule) -> list[int]:
        return list(range(schedule.T - 1, -1, -1))                              # T-1, ..., 0

    def step(self, schedule, x_t, t, t_prev, eps, generator):
        tt = torch.full((x_t.shape[0],), t, dtype=torch.long, device=x_t.device)
        x0 = self._x0(schedule, x_t, tt, eps)
        # mu_theta = mean of q(x_{t-1} | x_t, x0_hat), eq. (7); without clipping this is exactly eq. (11):
        # mu_theta = (x_t - beta_t / sqrt(1 - abar_t) * eps) / sqrt(alpha_t)
        mean = schedule.posterior_mean(x0, x_t, tt)
        if t == 0:
            return mean, x0                                                     # the last step adds no noise
        var = (schedule.posterior_variance if self.variance == "posterior" else schedule.betas)[t]
        return mean + float(var) ** 0.5 * self._noise_like(x_t, generator), x0


class DDIMSampler(Sampler):
    """Denoising diffusion implicit models (Song et al. 2021): ``steps`` evenly spaced steps, eq. (12).

        x_{t_prev} = sqrt(abar_prev) x0_hat + sqrt(1 - abar_prev - sigma^2) eps_hat + sigma z
        sigma = eta * sqrt((1 - abar_prev) / (1 - abar_t)) * sqrt(1 - abar_t / abar_prev)      eq. (16)

    The same trained network serves: DDIM only changes how the steps are taken.
    """

    def __init__(self, steps: int = 50, *, eta: float = 0.0, clip: bool = True):
        super().__init__(clip=clip)
        if steps < 1:
            raise ValueError(f"steps must be at least 1, got {steps}")
        self.steps, self.eta = steps, eta

    def timesteps(self, schedule: NoiseSchedule) -> list[int]:
        steps = min(self.steps, schedule.T)
        ts = torch.linspace(schedule.T - 1, 0, steps, dtype=torch.float64).round().long().tolist()
        return list(dict.fromkeys(ts))                                          # T-1 first, 0 last, no repeats

    @staticmethod
    def _abar(schedule: NoiseSchedule, t: int) -> float:
        return float(schedule.alpha_bars[t]) if t >= 0 else 1.0                 # abar before step 1 is 1

    def step(self, schedule, x_t, t, t_prev, eps, generator):
        abar, abar_prev = self._abar(schedule, t), self._abar(schedule, t_prev)
        tt = torch.full((x_t.shape[0],), t, dtype=torch.long, device=x_t.device)
        x0 = self._x0(schedule, x_t, tt, eps)
        eps = (x_t - abar ** 0.5 * x0) / (1 - abar) ** 0.5                      # the noise that matches x0_hat
        sigma = self.eta * ((1 - abar_prev) / (1 - abar)) ** 0.5 * (1 - abar / abar_prev) ** 0.5   # eq. (16)
        x_prev = abar_prev ** 0.5 * x0 + max(1 - abar_prev - sigma ** 2, 0.0) ** 0.5 * eps          # eq. (12)
        if sigma > 0:
            x_prev = x_prev + sigma * self._noise_like(x_t, generator)
        return x_prev, x0

    @torch.no_grad()
    def invert(self, model, x0: torch.Tensor, *, guidance: float = 1.0, **condition) -> torch.Tensor:
        """Run deterministic DDIM (eta = 0) forwards: the noise x_T that DDIM would turn back into ``x0``.

        Exact only in the limit of many steps (each step uses the noise predicted at its target step).
        """
        schedule = model.schedule
        device = schedule.betas.device
        condition = {k: v.to(device) for k, v in condition.items() if v is not None}
        ts = self.timesteps(schedule)[::-1]                                      # 0, ..., T-1
        x = x0.to(device).float()
        for i, t in enumerate(ts):
            abar_prev, abar = self._abar(schedule, ts[i - 1] if i > 0 else -1), self._abar(schedule, t)
            t_batch = torch.full((x.shape[0],), t, dtype=torch.long, device=device)
            with runtime.autocast(device):
                eps = guided_noise(model, x, t_batch, condition, guidance).float()
            x0_hat = (x - (1 - abar_prev) ** 0.5 * eps) / abar_prev ** 0.5
            x = abar ** 0.5 * x0_hat + (1 - abar) ** 0.5 * eps
        return x.cpu()
