"""The recipe of notebooks/03_image/06_segmentation: its sizes per profile and the U-Net's training.

The U-Net (``image.unet``) learns per-pixel classes (background, circle, square, triangle) from generated
shapes scenes (seed 0); the notebook and the ``image`` benchmark score it on held-out scenes (seed 1).
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import runtime, train
from ..data.image import shuffled_batches
from ..settings import Settings
from .unet import UNet, UNetConfig


@dataclass
class SegmentationSettings(Settings):
    size: int               # scene side, pixels
    train_scenes: int
    test_scenes: int
    batch: int
    lr: float
    warmup: int
    width: int              # base width of every model
    steps: int              # per model
    unet_steps: int         # the U-Net, the benchmark's model, trains longest


def segmentation_settings() -> SegmentationSettings:
    """Per-profile sizes shared by notebooks/03_image/06_segmentation and the benchmark."""
    return SegmentationSettings(
        size=32,
        train_scenes=runtime.pick(smoke=400, cpu=2000, gpu=8000),
        test_scenes=runtime.pick(smoke=100, cpu=300, gpu=1000),
        batch=runtime.pick(smoke=8, cpu=16, gpu=64),
        lr=runtime.pick(smoke=5e-3, cpu=3e-3, gpu=3e-3),
        warmup=runtime.pick(smoke=10, cpu=30, gpu=100),
        width=runtime.pick(smoke=8, cpu=8, gpu=16),
        steps=runtime.pick(smoke=60, cpu=400, gpu=1500),
        unet_steps=runtime.pick(smoke=120, cpu=600, gpu=2500),
    )


def train_unet(scenes, s: SegmentationSettings, *, device=None) -> tuple[UNet, train.History]:
    """A U-Net on ``scenes`` (images (N, 3, H, W), masks (N, H, W)) for ``unet_steps`` steps."""
    runtime.seed_everything(0)
    model = UNet(UNetConfig(in_channels=3, out_channels=4, base_width=s["width"]))
    runtime.set_threads(params=runtime.count_params(model))
    history = train.fit(model, shuffled_batches(scenes.images, scenes.masks, s["batch"]),
                        steps=s["unet_steps"], lr=s["lr"], warmup=s["warmup"], device=device, progress=False)
    return model, history
