"""The recipe of notebooks/03_image/02_vae: a convolutional VAE on stochastically binarised 16 x 16 digits.

``vae_settings()`` holds the sizes per profile, ``train_vae`` builds and trains the 8-D VAE; the notebook and
the ``image`` benchmark both use them.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import runtime, train
from ..data.image import ImageSplit
from ..settings import Settings
from .vae import ConvVAE, VAEConfig, binarised_batches


@dataclass
class VAESettings(Settings):
    latent: int                  # dimensions of z
    channels: tuple[int, ...]    # encoder widths (the decoder mirrors them)
    batch: int
    lr: float
    warp: bool                   # random warps of the training digits
    steps: int                   # the 8-D model's optimiser steps
    steps_2d: int                # the 2-D model the notebook draws as a map
    max_seconds: float | None    # wall-clock limit on training, or None
    eval_every: int              # steps between held-out evaluations in the notebook
    iw_k: list[int]              # importance samples for the log-likelihood bound
    samples: int                 # samples drawn for the judge


def vae_settings() -> VAESettings:
    """Per-profile sizes shared by notebooks/03_image/02_vae and the benchmark."""
    return VAESettings(
        latent=8,
        channels=(32, 64),
        batch=runtime.pick(smoke=64, cpu=64, gpu=128),
        lr=1e-2,
        warp=False,                                         # no random warps: they cost test ELBO here
        steps=runtime.pick(smoke=150, cpu=2000, gpu=6000),  # cpu: more steps gained little (NOTES.md)
        steps_2d=runtime.pick(smoke=100, cpu=1200, gpu=3000),
        max_seconds=runtime.pick(smoke=None, cpu=100, gpu=60),
        eval_every=runtime.pick(smoke=50, cpu=500, gpu=1000),
        iw_k=runtime.pick(smoke=[1, 10, 50], cpu=[1, 10, 100, 500], gpu=[1, 10, 100, 1000]),
        samples=1000,                                       # the judge protocol: at least 1,000 samples
    )


def train_vae(data: ImageSplit, s: VAESettings, *, device=None) -> tuple[ConvVAE, train.History]:
    """Seed, build and train the VAE on ``data.x_train`` binarised afresh each step: (model, history)."""
    runtime.seed_everything(0)
    vae = ConvVAE(VAEConfig(latent=s["latent"], channels=s["channels"]))
    runtime.set_threads(params=runtime.count_params(vae))
    history = train.fit(vae, binarised_batches(data.x_train, s["batch"], warp=s["warp"]), steps=s["steps"], lr=s["lr"],
                        warmup=s["steps"] // 20, max_seconds=s["max_seconds"], device=device, progress=False)
    return vae, history
