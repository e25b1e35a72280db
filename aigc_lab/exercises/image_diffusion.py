"""Checks for the exercises of notebooks/03_image/04_diffusion.

Each check compares the learner's function with the package's own
(``ddpm.NoiseSchedule``, ``ddpm.DDPM.loss``, ``samplers.DDPMSampler``, ``samplers.guided_noise``) on
schedules and tensors made up here, so the notebook never holds the answer.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from ..image.ddpm import DDPM, NoiseSchedule
from ..image.samplers import DDPMSampler, guided_noise
from . import exercise


@exercise("03_image.04.a", kind="function",
          hint="alpha_t = 1 - beta_t, and abar_t is the running product of the alphas up to and including t "
               "(torch.cumprod).")
def _alpha_bars(answer) -> bool:
    generator = torch.Generator().manual_seed(0)
    for betas in (NoiseSchedule.linear(50).betas, NoiseSchedule.cosine(30).betas,
                  torch.rand(20, generator=generator, dtype=torch.float64) * 0.3 + 1e-3):
        mine = torch.as_tensor(answer(betas.clone()), dtype=torch.float64)
        if mine.shape != betas.shape or not torch.allclose(mine, NoiseSchedule(betas).alpha_bars, atol=1e-9):
            return False
    return True


class _TinyNet(nn.Module):
    """A stand-in noise predictor: one convolution whose output grows with the step, enough to tell steps apart."""

    def __init__(self, T: int):
        super().__init__()
        self.T = T
        self.conv = nn.Conv2d(1, 1, 3, padding=1)

    def forward(self, x, t):
        return torch.tanh(self.conv(x)) * (1 + t.float().view(-1, 1, 1, 1) / self.T)   # bounded: the chain stays finite


@exercise("03_image.04.d", kind="function",
          hint="loss: form x_t with eq. (4) as section 2's q_sample does, then the mean squared error between eps "
               "and eps_model(x_t, t), as section 4's loss_simple. reverse_step: the noise form of the mean, eq. (11) "
               "of section 4, with abar_t (the running product of the alphas, not alpha_t) under the square root; "
               "add sqrt(beta_t) * z except at the last step (t == 0).")
def _ddpm_loss_and_step(answer) -> bool:
    torch.manual_seed(0)
    schedule = NoiseSchedule.linear(40)
    package = DDPM(_TinyNet(40), schedule, p_uncond=0.0)              # unconditional: no class to hide
    mine = answer(package.predict_noise, schedule.betas.clone())
    x0 = torch.rand(6, 1, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        # 1. the loss, on the same steps and noise that DDPM.loss draws
        for seed in (2, 3):
            torch.manual_seed(seed)
            expected = package.loss(x0)
            torch.manual_seed(seed)
            t = torch.randint(0, schedule.T, (len(x0),))
            eps = torch.randn_like(x0)
            got = mine.loss(x0.clone(), t, eps)
            if got is None:
                raise NotImplementedError
            if not torch.allclose(torch.as_tensor(got, dtype=torch.float32).reshape(()), expected, atol=1e-5):
                return False
        # 2. one reverse step at several t, against the package's sampler (sigma_t^2 = beta_t, no clipping)
        sampler = DDPMSampler(variance="beta", clip=False)
        generator = torch.Generator().manual_seed(4)
        for t in (39, 17, 1, 0):
            x_t = torch.randn(3, 1, 8, 8, generator=generator)
            eps = package.predict_noise(x_t, torch.full((3,), t))
            expected, _ = sampler.step(schedule, x_t, t, t - 1, eps, torch.Generator().manual_seed(t))
            z = torch.randn(x_t.shape, generator=torch.Generator().manual_seed(t))
            got = mine.reverse_step(x_t.clone(), t, z)
            if got is None:
                raise NotImplementedError
            got = torch.as_tensor(got)
            if got.shape != expected.shape or not torch.allclose(got.float(), expected, atol=1e-4):
                return False
        # 3. the whole chain, x_T to x_0 on fixed noise, against DDPMSampler.sample
        x_T = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(5))
        expected = sampler.sample(package, noise=x_T, shape=(1, 8, 8), frames=0,
                                  generator=torch.Generator().manual_seed(6)).images
        generator, x = torch.Generator().manual_seed(6), x_T.clone()
        for t in reversed(range(schedule.T)):
            z = torch.randn(x.shape, generator=generator) if t > 0 else torch.zeros_like(x)
            x = torch.as_tensor(mine.reverse_step(x, t, z)).float()
        return bool(torch.allclose(x, expected, atol=1e-3))


class _TwoAnswers:
    """A stand-in model: predicts ``eps_c`` for rows that see their condition and ``eps_null`` for dropped rows."""

    def __init__(self, eps_c: torch.Tensor, eps_null: torch.Tensor):
        self.eps_c, self.eps_null = eps_c, eps_null

    def predict_noise(self, x_t, t, labels=None, drop=None):
        b = len(self.eps_c)
        if drop is None:
            return self.eps_c
        return torch.where(drop.view(-1, 1, 1, 1), torch.cat([self.eps_null] * (len(drop) // b)),
                           torch.cat([self.eps_c] * (len(drop) // b)))


@exercise("03_image.04.c", kind="function",
          hint="Start from the unconditional prediction and move `scale` times the difference (conditional minus "
               "unconditional) away from it: scale 1 gives the conditional prediction, scale 0 the unconditional.")
def _guidance(answer) -> bool:
    generator = torch.Generator().manual_seed(2)
    for scale in (0.0, 1.0, 2.5, 7.0):
        eps_c, eps_null = torch.randn(4, 1, 4, 4, generator=generator), torch.randn(4, 1, 4, 4, generator=generator)
        model = _TwoAnswers(eps_c, eps_null)
        x, t = torch.zeros(4, 1, 4, 4), torch.zeros(4, dtype=torch.long)
        expected = guided_noise(model, x, t, {"labels": torch.zeros(4, dtype=torch.long)}, scale)
        mine = torch.as_tensor(answer(eps_c.clone(), eps_null.clone(), scale))
        if mine.shape != expected.shape or not torch.allclose(mine.float(), expected, atol=1e-5):
            return False
    return True
