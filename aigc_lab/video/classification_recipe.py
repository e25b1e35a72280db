"""The recipe of notebooks/05_video/01_classification: motion classes of ``moving_shapes`` clips.

Two classifiers, the frame-averaged 2D CNN and the (2+1)D CNN, train on clips of seed 0; the notebook and
the ``video`` benchmark score them on clips of seed 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import runtime, train
from ..data.video import MOTIONS
from ..settings import Settings
from .conv3d import Conv2Plus1DNet, Conv3DConfig
from .frame_cnn import FrameAveragedCNN, FrameCNNConfig


@dataclass
class VideoClassificationSettings(Settings):
    frames: int             # frames per clip
    size: int               # frame side, pixels
    n_train: int            # training clips
    n_test: int
    channels: int           # both classifiers' width
    batch: int
    steps: int
    lr: float
    warmup: int


def settings() -> VideoClassificationSettings:
    """Per-profile sizes shared by notebooks/05_video/01_classification and the benchmark."""
    return VideoClassificationSettings(
        frames=8,
        size=32,
        n_train=runtime.pick(smoke=192, cpu=2400, gpu=6000),
        n_test=runtime.pick(smoke=96, cpu=600, gpu=1200),
        channels=runtime.pick(smoke=8, cpu=16, gpu=32),
        batch=runtime.pick(smoke=16, cpu=32, gpu=64),
        steps=runtime.pick(smoke=70, cpu=600, gpu=1500),
        lr=3e-3,
        warmup=10,
    )


def models(s: VideoClassificationSettings) -> dict:
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


def train_classifier(model: torch.nn.Module, clips, s: VideoClassificationSettings, *, device=None) -> train.History:
    """Train one of ``models(s)`` on ``clips`` (one CPU thread for these small models)."""
    device = device or runtime.device()
    if device.type == "cpu":
        runtime.set_threads(params=runtime.count_params(model))
    runtime.seed_everything(0)
    return train.fit(model, clip_batches(clips, s["batch"], 1), steps=s["steps"], lr=s["lr"], warmup=s["warmup"],
                     device=device, progress=False)


def predict_all(model: torch.nn.Module, videos: torch.Tensor, dev, batch: int = 256) -> torch.Tensor:
    """Predicted motion class of every clip, in chunks of ``batch``."""
    model.eval()
    out = []
    with torch.no_grad(), runtime.autocast(dev):
        for i in range(0, len(videos), batch):
            out.append(model.predict(videos[i:i + batch].to(dev)).cpu())
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.long)
