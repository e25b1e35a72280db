"""Checks for the exercises of notebooks/03_image/04_diffusion.

Each check compares the learner's function with the package's own
(``ddpm.NoiseSchedule``, ``samplers.DDPMSampler``, ``samplers.guided_noise``) on
schedules and tensors made up here, so the notebook never holds the answer.
"""
from __future__ import annotations

import torch

from ..image.ddpm import NoiseSchedule
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


@exercise("03_image.04.b", kind="function",
          hint="Eq. (11): mean = (x_t - beta_t / sqrt(1 - abar_t) * eps) / sqrt(alpha_t), with abar_t (not alpha_t) "
               "under the square root; then add sqrt(beta_t) * z, except at the last step (t == 0).")
def _ddpm_step(answer) -> bool:
    schedule = NoiseSchedule.linear(40)
    sampler = DDPMSampler(variance="beta", clip=False)     # Algorithm 2 with sigma_t^2 = beta_t, no clipping
    generator = torch.Generator().manual_seed(1)
    for t in (39, 17, 1, 0):
        x_t, eps = torch.randn(3, 1, 4, 4, generator=generator), torch.randn(3, 1, 4, 4, generator=generator)
        z = torch.randn(x_t.shape, generator=torch.Generator().manual_seed(t))
        expected, _ = sampler.step(schedule, x_t, t, t - 1, eps, torch.Generator().manual_seed(t))
        mine = torch.as_tensor(answer(x_t.clone(), eps.clone(), t, schedule.betas.float().clone(), z.clone()))
        if mine.shape != expected.shape or not torch.allclose(mine.float(), expected, atol=1e-4):
            return False
    return True


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
