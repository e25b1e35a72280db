"""The recipe of notebooks/05_video/05_cyclegan: unpaired translation between filled and outlined shapes.

A CycleGAN (``video.cyclegan``) learns A (filled) <-> B (outlined) from ``unpaired_shapes``; an independent
domain classifier, trained on real images only, judges its translations, and ``flicker_figures`` measures
how a frame-by-frame translation of a video flickers against an exact hand-written rule
(``outline_by_rule``).  The notebook and the ``video`` benchmark both use these.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .. import runtime, train
from ..data.video import frame_difference
from ..image.cnn import CNNConfig, SmallCNN
from ..settings import Settings
from .cyclegan import CycleGAN, CycleGANConfig, train_cyclegan

BACKGROUND = 0.08          # the plain background grey of unpaired_shapes and moving_shapes(plain_background=True)


@dataclass
class CycleGANSettings(Settings):
    size: int                    # image side, pixels
    n_train: int                 # images per domain (different scenes)
    n_test: int
    model: dict                  # CycleGANConfig's widths
    batch: int
    steps: int
    lr: float
    max_seconds: float | None    # wall-clock limit on training, or None
    classifier_steps: int        # the independent domain classifier
    clips: int                   # moving_shapes clips for the flicker test
    frames: int


def settings() -> CycleGANSettings:
    """Per-profile sizes shared by notebooks/05_video/05_cyclegan and the benchmark."""
    return CycleGANSettings(
        size=32,
        n_train=runtime.pick(smoke=400, cpu=2000, gpu=4000),
        n_test=runtime.pick(smoke=200, cpu=500, gpu=1000),
        model=dict(width=runtime.pick(smoke=8, cpu=16, gpu=32), disc_width=runtime.pick(smoke=8, cpu=16, gpu=32)),
        batch=runtime.pick(smoke=16, cpu=16, gpu=32),
        steps=runtime.pick(smoke=60, cpu=600, gpu=3000),
        lr=runtime.pick(smoke=2e-3, cpu=1e-3, gpu=5e-4),        # few steps on CPU, so bigger ones
        max_seconds=runtime.pick(smoke=None, cpu=240, gpu=300),
        classifier_steps=runtime.pick(smoke=100, cpu=300, gpu=600),
        clips=runtime.pick(smoke=16, cpu=64, gpu=128),
        frames=8,
    )


def unpaired_batches(a: torch.Tensor, b: torch.Tensor, batch: int, seed: int = 0):
    """A callable giving (a, b) batches drawn independently from the two domains: no pairs anywhere."""
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        return (a[torch.randint(0, len(a), (batch,), generator=generator)],
                b[torch.randint(0, len(b), (batch,), generator=generator)])
    return next_batch


def train_translator(a: torch.Tensor, b: torch.Tensor, s: CycleGANSettings, *, device=None):
    """A CycleGAN between domains A and B from unpaired batches: (model, history)."""
    runtime.seed_everything(0)
    model = CycleGAN(CycleGANConfig(**s["model"]))
    history = train_cyclegan(model, unpaired_batches(a, b, s["batch"]), steps=s["steps"], lr=s["lr"], device=device,
                             max_seconds=s["max_seconds"])
    return model, history


def train_domain_classifier(a: torch.Tensor, b: torch.Tensor, *, steps: int, seed: int = 0,
                            device=None) -> SmallCNN:
    """A small CNN telling domain A (label 0) from domain B (label 1), trained on real images only."""
    runtime.seed_everything(seed)
    images = torch.cat([a, b])
    labels = torch.cat([torch.zeros(len(a)), torch.ones(len(b))]).long()
    generator = torch.Generator().manual_seed(seed)

    def batch():
        idx = torch.randint(0, len(images), (64,), generator=generator)
        return images[idx], labels[idx]

    model = SmallCNN(CNNConfig(in_channels=a.shape[1], size=a.shape[-1], classes=2))
    train.fit(model, batch, steps=steps, lr=3e-3, device=device, progress=False)
    return model.eval().cpu()


def domain_accuracy(classifier: SmallCNN, images: torch.Tensor, domain: int) -> float:
    """Share of ``images`` that the classifier puts in ``domain`` (0 = A, 1 = B)."""
    with torch.no_grad():
        return (classifier.predict(images.float().cpu()) == domain).float().mean().item()


def outline_by_rule(images: torch.Tensor, *, width: int = 1) -> torch.Tensor:
    """A -> B without learning, for plain-background images: keep the object pixels within ``width``
    pixels of the object's edge, paint the rest of the inside with the background grey.
    (N, C, H, W) -> (N, C, H, W). Exact frame by frame, so its frame differences come from motion only."""
    ink = ((images - BACKGROUND).abs().amax(1, keepdim=True) > 0.05).float()      # (N, 1, H, W) object mask
    inner = ink
    for _ in range(width):
        inner = -F.max_pool2d(-inner, 3, stride=1, padding=1)                      # erosion by one pixel
    ring = ink - inner                                                             # 1 on the outline
    return images * ring + BACKGROUND * (1 - ring)


def flicker_figures(model: CycleGAN, clips: torch.Tensor) -> dict:
    """Frame-by-frame translation of (N, T, C, H, W) flat-domain clips: mean frame differences and their ratio."""
    translated = model.translate_video(clips, "a2b")
    ruled = outline_by_rule(clips.flatten(0, 1)).view_as(clips)
    source, cyclegan, rule = (frame_difference(v).mean().item() for v in (clips, translated, ruled))
    return {"frame_difference_source": source, "frame_difference_rule": rule,
            "frame_difference_cyclegan": cyclegan, "flicker_ratio": cyclegan / rule,
            "l1_to_rule": (translated - ruled).abs().mean().item()}
