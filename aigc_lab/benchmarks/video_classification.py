"""The classification part of the ``video`` benchmark (notebooks/05_video/01_classification).

``settings()`` holds the per-profile sizes the notebook uses too, so the benchmark's figures are the
notebook's. Both classifiers, the frame-averaged 2D CNN and the (2+1)D CNN, train on ``moving_shapes``
clips of seed 0 and are scored on clips of seed 1.
"""
from __future__ import annotations

import time

import torch

from .. import metrics, runtime, train
from ..data.video import MOTIONS, moving_shapes
from ..video.conv3d import Conv2Plus1DNet, Conv3DConfig
from ..video.frame_cnn import FrameAveragedCNN, FrameCNNConfig


def settings() -> dict:
    """Per-profile sizes shared by notebooks/05_video/01_classification and this benchmark."""
    return {
        "frames": 8,
        "size": 32,
        "n_train": runtime.pick(smoke=192, cpu=2400, gpu=6000),
        "n_test": runtime.pick(smoke=96, cpu=600, gpu=1200),
        "channels": runtime.pick(smoke=8, cpu=16, gpu=32),
        "batch": runtime.pick(smoke=16, cpu=32, gpu=64),
        "steps": runtime.pick(smoke=70, cpu=600, gpu=1500),
        "lr": 3e-3,
        "warmup": 10,
    }


def models(s: dict) -> dict:
    """The two classifiers, freshly initialised with the same seed, keyed by benchmark name."""
    runtime.seed_everything(0)
    frame = FrameAveragedCNN(FrameCNNConfig(channels=s["channels"], n_classes=len(MOTIONS)))
    runtime.seed_everything(0)
    conv = Conv2Plus1DNet(Conv3DConfig(channels=s["channels"], n_classes=len(MOTIONS)))
    return {"frame_cnn": frame, "conv2plus1d": conv}


def clip_batches(clips, batch_size: int, seed: int):
    """A ``batch()`` function for ``train.fit``: random mini-batches (videos (B, T, 3, H, W), motions (B,))."""
    generator = torch.Generator().manual_seed(seed)

    def batch():
        idx = torch.randint(0, len(clips), (batch_size,), generator=generator)
        return clips.videos[idx], clips.motions[idx]
    return batch


def predict_all(model: torch.nn.Module, videos: torch.Tensor, dev, batch: int = 256) -> torch.Tensor:
    """Predicted motion class of every clip, in chunks of ``batch``."""
    model.eval()
    out = []
    with torch.no_grad(), runtime.autocast(dev):
        for i in range(0, len(videos), batch):
            out.append(model.predict(videos[i:i + batch].to(dev)).cpu())
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.long)


def figures() -> dict:
    """Held-out accuracy of both classifiers, the majority baseline, left/right accuracy and seconds."""
    start = time.perf_counter()
    dev = runtime.device()
    s = settings()
    train_clips = moving_shapes(s["n_train"], frames=s["frames"], size=s["size"], seed=0)
    test_clips = moving_shapes(s["n_test"], frames=s["frames"], size=s["size"], seed=1)
    horizontal = test_clips.motions < 2                       # left (0) and right (1) clips
    figures = {"profile": runtime.profile(), "train_clips": s["n_train"], "test_clips": s["n_test"],
               "majority": metrics.majority_baseline(train_clips.motions, test_clips.motions)}
    for name, model in models(s).items():
        if dev.type == "cpu":
            runtime.set_threads(params=runtime.count_params(model))   # small models: one thread is faster
        runtime.seed_everything(0)
        history = train.fit(model, clip_batches(train_clips, s["batch"], 1), steps=s["steps"], lr=s["lr"],
                            warmup=s["warmup"], device=dev, progress=False)
        predicted = predict_all(model, test_clips.videos, dev)
        figures[f"{name}_accuracy"] = (predicted == test_clips.motions).float().mean().item()
        figures[f"{name}_left_right_accuracy"] = (
            predicted[horizontal] == test_clips.motions[horizontal]).float().mean().item()
        figures[f"{name}_train_seconds"] = history.seconds
    figures["seconds"] = time.perf_counter() - start
    return figures
