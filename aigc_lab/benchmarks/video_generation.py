"""The video-generation part of the ``video`` benchmark (notebooks/05_video/03_generation).

``settings()`` holds the per-profile sizes that the notebook uses too. ``figures()`` trains the
conditional space-time VAE (``aigc_lab.video.clip_generator``) on ``moving_shapes`` clips, trains an
independent (2+1)D CNN motion classifier on real clips only, and returns JSON-able numbers:

- the classifier's accuracy on real held-out clips, and on generated clips scored against the motion
  that was *requested* (chance: 1 in 6);
- temporal consistency: the mean frame difference of generated clips against real held-out clips'
  (1 = as much change from frame to frame as real motion; near 0 = frozen clips; above 1 = flicker),
  and the same for clips made by shuffling the frames of real clips (what incoherent time scores).
"""
from __future__ import annotations

import time

import torch

from .. import runtime, train
from ..data.video import MOTIONS, frame_difference, moving_shapes, resize_clips
from ..video.clip_generator import ClipVAE, ClipVAEConfig
from ..video.conv3d import Conv2Plus1DNet, Conv3DConfig


def settings() -> dict:
    """Per-profile sizes shared by notebooks/05_video/03_generation and this benchmark."""
    return {
        "frames": 8,
        "size": 16,                                                  # clips drawn at 32 px, shrunk to 16
        "n_train": runtime.pick(smoke=600, cpu=3000, gpu=8000),
        "n_test": runtime.pick(smoke=120, cpu=600, gpu=1200),
        "model": dict(width=runtime.pick(smoke=8, cpu=16, gpu=32), latent=16),
        "batch": runtime.pick(smoke=32, cpu=32, gpu=64),
        "steps": runtime.pick(smoke=500, cpu=2000, gpu=6000),
        "lr": 3e-3,
        "max_seconds": runtime.pick(smoke=None, cpu=200, gpu=240),
        "classifier_steps": runtime.pick(smoke=80, cpu=300, gpu=1000),
        "samples_per_motion": runtime.pick(smoke=20, cpu=100, gpu=200),
    }


def load_clips(n: int, seed: int, s: dict):
    """``moving_shapes`` clips on a plain background, shrunk to ``s["size"]``: (videos (N, T, 3, S, S), motions (N,))."""
    clips = moving_shapes(n, frames=s["frames"], size=32, seed=seed, plain_background=True)
    return resize_clips(clips.videos, s["size"]).clamp(0, 1), clips.motions


def clip_batches(videos: torch.Tensor, labels: torch.Tensor, batch: int, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        idx = torch.randint(0, len(videos), (batch,), generator=generator)
        return videos[idx], labels[idx]
    return next_batch


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


def figures() -> dict:
    """Train the notebook's generator and judge with the active profile's sizes and measure them."""
    start = time.perf_counter()
    s = settings()
    dev = runtime.device()
    train_videos, train_motions = load_clips(s["n_train"], 0, s)
    test_videos, test_motions = load_clips(s["n_test"], 1, s)
    runtime.seed_everything(0)
    model = ClipVAE(ClipVAEConfig(frames=s["frames"], size=s["size"], classes=len(MOTIONS), **s["model"]))
    history = train.fit(model, clip_batches(train_videos, train_motions, s["batch"]), steps=s["steps"], lr=s["lr"],
                        warmup=20, device=dev, max_seconds=s["max_seconds"], progress=False)
    judge = train_motion_classifier(train_videos, train_motions, steps=s["classifier_steps"], device=dev)
    requested = torch.arange(len(MOTIONS)).repeat_interleave(s["samples_per_motion"])
    model.eval()
    generated = model.generate(requested, generator=torch.Generator().manual_seed(0))
    figures = {"profile": runtime.profile(), "steps": history.step, "train_seconds": history.seconds,
               "final_loss": history.final_loss,
               "classifier_real_accuracy": motion_accuracy(judge, test_videos, test_motions),
               "generated_motion_accuracy": motion_accuracy(judge, generated, requested),
               "chance": 1 / len(MOTIONS),
               **consistency_figures(generated, test_videos)}
    figures["seconds"] = time.perf_counter() - start
    return figures
