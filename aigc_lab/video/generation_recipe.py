"""The recipe of notebooks/05_video/03_generation: a conditional space-time VAE that draws moving shapes.

``train_clip_vae`` trains the generator (``video.clip_generator``) on ``moving_shapes`` clips; an independent
(2+1)D CNN, trained on real clips only, judges whether generated clips move as asked, and
``consistency_figures`` compares their frame-to-frame change with real and frame-shuffled clips'.  The
notebook and the ``video`` benchmark both use these.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import runtime, train
from ..data.video import MOTIONS, frame_difference, moving_shapes, resize_clips
from ..settings import Settings
from .clip_generator import ClipVAE, ClipVAEConfig
from .conv3d import Conv2Plus1DNet, Conv3DConfig


@dataclass
class GenerationSettings(Settings):
    frames: int                  # frames per clip
    size: int                    # clips drawn at 32 px, shrunk to this
    n_train: int
    n_test: int
    model: dict                  # ClipVAEConfig's width and latent
    batch: int
    steps: int
    lr: float
    max_seconds: float | None    # wall-clock limit on training, or None
    classifier_steps: int        # the judge
    samples_per_motion: int      # generated clips per motion class


def settings() -> GenerationSettings:
    """Per-profile sizes shared by notebooks/05_video/03_generation and the benchmark."""
    return GenerationSettings(
        frames=8,
        size=16,
        n_train=runtime.pick(smoke=600, cpu=3000, gpu=8000),
        n_test=runtime.pick(smoke=120, cpu=600, gpu=1200),
        model=dict(width=runtime.pick(smoke=8, cpu=16, gpu=32), latent=16),
        batch=runtime.pick(smoke=32, cpu=32, gpu=64),
        steps=runtime.pick(smoke=500, cpu=2000, gpu=6000),
        lr=3e-3,
        max_seconds=runtime.pick(smoke=None, cpu=200, gpu=240),
        classifier_steps=runtime.pick(smoke=80, cpu=300, gpu=1000),
        samples_per_motion=runtime.pick(smoke=20, cpu=100, gpu=200),
    )


def load_clips(n: int, seed: int, s: GenerationSettings):
    """``moving_shapes`` clips on a plain background, shrunk to ``s["size"]``: (videos (N, T, 3, S, S), motions (N,))."""
    clips = moving_shapes(n, frames=s["frames"], size=32, seed=seed, plain_background=True)
    return resize_clips(clips.videos, s["size"]).clamp(0, 1), clips.motions


def clip_batches(videos: torch.Tensor, labels: torch.Tensor, batch: int, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        idx = torch.randint(0, len(videos), (batch,), generator=generator)
        return videos[idx], labels[idx]
    return next_batch


def train_clip_vae(videos: torch.Tensor, labels: torch.Tensor, s: GenerationSettings, *,
                   device=None) -> tuple[ClipVAE, train.History]:
    """The conditional space-time VAE on (videos (N, T, 3, S, S), motions (N,)): (model, history)."""
    runtime.seed_everything(0)
    model = ClipVAE(ClipVAEConfig(frames=s["frames"], size=s["size"], classes=len(MOTIONS), **s["model"]))
    history = train.fit(model, clip_batches(videos, labels, s["batch"]), steps=s["steps"], lr=s["lr"],
                        warmup=20, device=device, max_seconds=s["max_seconds"], progress=False)
    return model, history


def train_motion_classifier(videos: torch.Tensor, labels: torch.Tensor, *, steps: int, device=None,
                            seed: int = 0) -> Conv2Plus1DNet:
    """The independent judge: a (2+1)D CNN trained on real clips only, never on generated ones."""
    runtime.seed_everything(seed)
    model = Conv2Plus1DNet(Conv3DConfig(channels=16, n_classes=len(MOTIONS)))
    train.fit(model, clip_batches(videos, labels, 32, seed + 1), steps=steps, lr=3e-3, warmup=10, device=device,
              progress=False)
    return model.eval().cpu()


def motion_accuracy(classifier: Conv2Plus1DNet, videos: torch.Tensor, labels: torch.Tensor) -> float:
    with torch.no_grad():
        predicted = torch.cat([classifier.predict(videos[i:i + 256].float()) for i in range(0, len(videos), 256)])
    return (predicted == labels).float().mean().item()


def shuffled_frames(videos: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Each clip's frames in a random order: the same pictures, incoherent time."""
    generator = torch.Generator().manual_seed(seed)
    return torch.stack([v[torch.randperm(len(v), generator=generator)] for v in videos])


def consistency_figures(generated: torch.Tensor, real: torch.Tensor) -> dict:
    """Mean frame difference of generated, real and frame-shuffled real clips, and the ratios to real."""
    fd_generated, fd_real, fd_shuffled = (frame_difference(v).mean().item()
                                          for v in (generated, real, shuffled_frames(real)))
    return {"frame_difference_generated": fd_generated, "frame_difference_real": fd_real,
            "frame_difference_shuffled": fd_shuffled, "consistency_ratio": fd_generated / fd_real,
            "shuffled_ratio": fd_shuffled / fd_real}
