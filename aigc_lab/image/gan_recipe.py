"""The recipe of notebooks/03_image/03_gan: a class-conditional DCGAN and a small conditional StyleGAN.

``gan_settings()`` holds the sizes per profile; ``train_conditional_gan`` builds and trains one of the two
generators with its discriminator (``image.gan_training.train_gan``).  The notebook and the ``image``
benchmark both use them; how the steps and the mode-seeking weight were chosen: ``benchmarks/NOTES.md``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch.nn as nn

from .. import runtime
from ..data.image import ImageSplit, augmented_batches, shuffled_batches
from ..settings import Settings
from .dcgan import DCGANConfig, Discriminator, Generator
from .gan_training import GANHistory, train_gan
from .stylegan import StyleGANConfig, StyleGenerator


@dataclass
class GANSettings(Settings):
    samples: int                 # samples drawn for the judge
    batch: int
    dcgan: dict                  # DCGANConfig's sizes (channels, latent)
    dcgan_steps: int             # the notebook's unconditional DCGAN
    collapse_steps: int          # the notebook's mode-collapse demonstration
    cgan_steps: int              # the conditional DCGAN, on unwarped digits
    stylegan: dict               # StyleGANConfig's sizes
    stylegan_steps: int
    lr: float                    # DCGAN learning rate, G and D
    stylegan_lr: float
    ema: float | None            # decay of G's weight average, or None
    diversity: float             # mode-seeking weight of the conditional DCGAN
    max_seconds: float | None    # wall-clock limit on training, or None
    eval_every: int
    mixing_pairs: int            # latent pairs per crossover point (style mixing)


def gan_settings() -> GANSettings:
    """Per-profile sizes shared by notebooks/03_image/03_gan and the benchmark."""
    return GANSettings(
        samples=1000,                                       # the judge protocol: at least 1,000 samples
        batch=runtime.pick(smoke=64, cpu=64, gpu=128),
        dcgan=dict(channels=runtime.pick(smoke=32, cpu=32, gpu=64), latent=32),
        dcgan_steps=runtime.pick(smoke=60, cpu=400, gpu=4000),
        collapse_steps=runtime.pick(smoke=30, cpu=120, gpu=1500),
        cgan_steps=runtime.pick(smoke=120, cpu=3000, gpu=6000),   # chosen on a validation split (NOTES.md)
        stylegan=dict(channels=runtime.pick(smoke=32, cpu=32, gpu=64), latent=32, w_dim=32, mapping_layers=4),
        stylegan_steps=runtime.pick(smoke=80, cpu=600, gpu=4000),
        lr=runtime.pick(smoke=1e-3, cpu=5e-4, gpu=2e-4),    # smoke: few steps, so bigger ones
        stylegan_lr=runtime.pick(smoke=5e-4, cpu=5e-4, gpu=2e-4),   # at 1e-3 the small StyleGAN oscillates
        ema=runtime.pick(smoke=None, cpu=0.99, gpu=0.999),  # too slow to help in smoke
        diversity=0.1,                                      # chosen on a validation split (NOTES.md)
        max_seconds=runtime.pick(smoke=None, cpu=None, gpu=60),   # none on the CPU: figures must not depend on load
        eval_every=runtime.pick(smoke=50, cpu=250, gpu=500),
        mixing_pairs=runtime.pick(smoke=200, cpu=1000, gpu=1000),
    )


def conditional_gans(s: GANSettings) -> dict:
    """name -> (make the generator, its batches (the DCGAN's unwarped), steps, learning rate, mode-seeking weight)."""
    return {
        "conditional DCGAN": (lambda: Generator(DCGANConfig(classes=10, **s["dcgan"])), shuffled_batches,
                              s["cgan_steps"], s["lr"], s["diversity"]),
        "conditional StyleGAN": (lambda: StyleGenerator(StyleGANConfig(classes=10, **s["stylegan"])), augmented_batches,
                                 s["stylegan_steps"], s["stylegan_lr"], 0.0),
    }


def train_conditional_gan(name: str, data: ImageSplit, s: GANSettings, *, device=None) -> tuple[nn.Module, GANHistory]:
    """One of ``conditional_gans``: seed, then build G and D (as in the notebook), train: (generator, history)."""
    make_generator, batches, steps, lr, diversity = conditional_gans(s)[name]
    runtime.seed_everything(0)
    G, D = make_generator(), Discriminator(DCGANConfig(classes=10, **s["dcgan"]))
    runtime.set_threads(params=runtime.count_params(G) + runtime.count_params(D))
    history = train_gan(G, D, batches(data.x_train, data.y_train, s["batch"]), steps=steps,
                        lr_g=lr, lr_d=lr, ema=s["ema"], diversity=diversity, max_seconds=s["max_seconds"],
                        device=device, progress=False)
    return G, history
