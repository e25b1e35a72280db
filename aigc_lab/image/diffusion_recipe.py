"""The recipe of notebooks/03_image/04_diffusion: a class-conditional DDPM on 16 x 16 digits.

``image.ddpm.DDPM`` around ``image.diffusion_unet.DiffusionUNet``, trained on lightly warped digits with an
exponential moving average of its weights; the notebook and the ``image`` benchmark sample it with DDIM and
classifier-free guidance.  How the steps and the guidance scale were chosen: ``aigc_lab/benchmarks/NOTES.md``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import runtime, train
from ..data.image import ImageSplit, augmented_batches
from ..settings import Settings
from .ddpm import DDPM, EMA, NoiseSchedule
from .diffusion_unet import DiffusionUNet, UNetConfig


@dataclass
class DiffusionSettings(Settings):
    unet: UNetConfig            # the denoiser
    T: int                      # diffusion steps of the forward process
    schedule: str               # noise schedule: a ``NoiseSchedule`` constructor's name
    steps: int                  # optimiser steps (the learning-rate schedule's length)
    warmup: int                 # steps of linear learning-rate warm-up
    max_seconds: float | None   # wall-clock limit on training, or None
    batch: int
    lr: float
    ema_decay: float
    samples: int                # images sampled for scoring
    ddim_steps: int
    guidance: float             # classifier-free guidance scale


def diffusion_settings() -> DiffusionSettings:
    """The per-profile sizes that the notebook and the benchmark share."""
    return DiffusionSettings(
        unet=UNetConfig(image_size=16, patch=2, base=runtime.pick(smoke=16, cpu=32, gpu=64), mults=(1, 2),
                        num_classes=10),
        T=runtime.pick(smoke=100, cpu=1000, gpu=1000),
        schedule="cosine",
        steps=runtime.pick(smoke=100, cpu=2000, gpu=6000),       # cpu: the fewest that beat the KDE baseline
        warmup=runtime.pick(smoke=10, cpu=100, gpu=200),
        max_seconds=runtime.pick(smoke=None, cpu=None, gpu=120),  # none on the CPU: figures must not depend on load
        batch=runtime.pick(smoke=32, cpu=64, gpu=256),
        lr=runtime.pick(smoke=5e-3, cpu=2e-3, gpu=2e-3),
        ema_decay=runtime.pick(smoke=0.9, cpu=0.999, gpu=0.9995),
        samples=runtime.pick(smoke=200, cpu=1000, gpu=2000),      # benchmark protocol: at least 1,000
        ddim_steps=runtime.pick(smoke=10, cpu=50, gpu=50),
        guidance=1.5,                                              # chosen on a validation split, not the test split
    )


def make_model(settings: DiffusionSettings) -> DDPM:
    """The U-Net wrapped as a DDPM with the settings' noise schedule, its weights stored channels-last
    (height, width, then channels in memory), which made its convolutions 25-35% faster on CPUs as well as GPUs."""
    schedule = getattr(NoiseSchedule, settings["schedule"])(settings["T"])
    return DDPM(DiffusionUNet(settings["unet"]), schedule, p_uncond=0.1).to(memory_format=torch.channels_last)


def model_batches(x01: torch.Tensor, y: torch.Tensor, batch: int, *, seed: int = 0):
    """Mini-batches of lightly warped digits, scaled from [0, 1] to the model's range [-1, 1]."""
    warped = augmented_batches(x01, y, batch, seed=seed, max_shift=0.06, max_rotate_deg=8.0, scale=(0.95, 1.05))

    def next_batch():
        x, labels = warped()
        return x * 2 - 1, labels

    return next_batch


def train_diffusion(digits: ImageSplit, s: DiffusionSettings, *, device=None) -> tuple[DDPM, EMA, train.History]:
    """Seed, build, train with an EMA of the weights: (model, ema, history); sample from ``ema.model``."""
    device = device or runtime.device()
    runtime.seed_everything(0)
    model = make_model(s)
    if device.type == "cpu":
        runtime.set_threads(params=runtime.count_params(model))
    ema = EMA(model, decay=s["ema_decay"])
    history = train.fit(model, model_batches(digits.x_train, digits.y_train, s["batch"]), steps=s["steps"],
                        lr=s["lr"], warmup=s["warmup"], max_seconds=s["max_seconds"], on_step_end=ema.update,
                        device=device, progress=False)
    return model, ema, history
