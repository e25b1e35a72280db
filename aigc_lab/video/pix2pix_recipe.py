"""The recipe of notebooks/05_video/04_pix2pix: outline drawings to filled images, with and without a GAN loss.

pix2pix (``video.pix2pix``) learns to turn an outline (``data.video.paired_shapes``) into the filled image (the
colour says which shape it is); ``make_model(s, adversarial=False)`` is the L1-only generator it is compared
with.  The notebook and the ``video`` benchmark both use these.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import runtime
from ..data.video import paired_shapes
from ..settings import Settings
from .pix2pix import Pix2Pix, Pix2PixConfig, foreground_iou, train_pix2pix


@dataclass
class Pix2PixSettings(Settings):
    size: int               # image side, pixels
    n_train: int            # training pairs
    n_test: int
    width: int              # the U-Net generator's base width
    depth: int              # its down-sampling steps
    disc_width: int         # the PatchGAN discriminator's width
    batch: int
    steps: int
    lr: float
    lambda_l1: float        # weight of the L1 term beside the adversarial one


def settings() -> Pix2PixSettings:
    """Per-profile sizes shared by notebooks/05_video/04_pix2pix and the benchmark."""
    return Pix2PixSettings(
        size=32,
        n_train=runtime.pick(smoke=256, cpu=2000, gpu=8000),
        n_test=runtime.pick(smoke=64, cpu=300, gpu=1000),
        width=runtime.pick(smoke=8, cpu=16, gpu=32), depth=3, disc_width=runtime.pick(smoke=8, cpu=16, gpu=32),
        batch=runtime.pick(smoke=16, cpu=16, gpu=64),
        steps=runtime.pick(smoke=150, cpu=500, gpu=2000),
        lr=runtime.pick(smoke=2e-3, cpu=1e-3, gpu=2e-4),
        lambda_l1=100.0,
    )


def data(s: Pix2PixSettings):
    """(train sources, train targets), (test sources, test targets): seeds 0 and 1."""
    return (paired_shapes(s["n_train"], size=s["size"], seed=0), paired_shapes(s["n_test"], size=s["size"], seed=1))


def make_model(s: Pix2PixSettings, adversarial: bool = True) -> Pix2Pix:
    runtime.seed_everything(0)
    return Pix2Pix(Pix2PixConfig(width=s["width"], depth=s["depth"], disc_width=s["disc_width"],
                                 lambda_l1=s["lambda_l1"], adversarial=adversarial))


def pair_batches(sources: torch.Tensor, targets: torch.Tensor, batch: int, seed: int = 1):
    """A ``batch()`` function: random (source (B, 1, H, W), target (B, 3, H, W)) pairs."""
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        idx = torch.randint(0, len(sources), (batch,), generator=generator)
        return sources[idx], targets[idx]
    return next_batch


def train_translator(model: Pix2Pix, sources: torch.Tensor, targets: torch.Tensor, s: Pix2PixSettings, *,
                     device=None):
    """Train ``model`` (from ``make_model``) on (source, target) pairs; one CPU thread for this small model."""
    device = device or runtime.device()
    if device.type == "cpu":
        runtime.set_threads(params=runtime.count_params(model))
    return train_pix2pix(model, pair_batches(sources, targets, s["batch"]), steps=s["steps"], lr=s["lr"],
                         device=device)


def scores(predicted: torch.Tensor, targets: torch.Tensor) -> dict:
    return {"l1": (predicted - targets).abs().mean().item(), "iou": foreground_iou(predicted, targets).mean().item()}
