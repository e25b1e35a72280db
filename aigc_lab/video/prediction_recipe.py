"""The recipe of notebooks/05_video/02_prediction: a ConvLSTM that predicts the next frames of moving digits.

A ConvLSTM (``video.convlstm``) reads ``context`` frames and predicts the next ``horizon``; ``evaluate`` scores
the predictions by horizon against copying the last frame, in pixels and in where the digit is.  The notebook
and the ``video`` benchmark both use these.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import runtime, train
from ..data.video import moving_digits
from ..settings import Settings
from .convlstm import ConvLSTMConfig, ConvLSTMPredictor, centroids, copy_last_frame, error_by_horizon, predict_frames


@dataclass
class PredictionSettings(Settings):
    size: int                    # frame side, pixels
    digit_size: int              # digit side, pixels
    digits: int                  # digits per clip
    context: int                 # frames the model reads
    horizon: int                 # frames it predicts
    n_train: int
    n_test: int
    features: int                # the encoder's channels
    hidden: int                  # the ConvLSTM cell's channels
    kernel: int
    batch: int
    steps: int
    max_seconds: float | None    # wall-clock limit on training, or None
    lr: float
    warmup: int


def settings() -> PredictionSettings:
    """Per-profile sizes shared by notebooks/05_video/02_prediction and the benchmark."""
    return PredictionSettings(
        size=32, digit_size=12, digits=1,
        # clips of context + horizon frames; smoke: shorter clips, a smaller cell, big quick steps
        context=runtime.pick(smoke=4, cpu=5), horizon=runtime.pick(smoke=3, cpu=5),
        n_train=runtime.pick(smoke=256, cpu=3000, gpu=10000),
        n_test=runtime.pick(smoke=64, cpu=300, gpu=1000),
        features=16, hidden=runtime.pick(smoke=16, cpu=32, gpu=64), kernel=3,
        batch=runtime.pick(smoke=16, cpu=16, gpu=64),
        steps=runtime.pick(smoke=60, cpu=600, gpu=3000),
        max_seconds=runtime.pick(smoke=None, cpu=None, gpu=300),   # cpu: every step, for repeatable figures
        lr=runtime.pick(smoke=1e-2, cpu=3e-3), warmup=runtime.pick(smoke=5, cpu=20),
    )


def data(s: PredictionSettings):
    """Training clips (seed 0, training digits) and held-out clips (seed 1, unseen handwriting)."""
    frames = s["context"] + s["horizon"]
    kw = dict(frames=frames, size=s["size"], digit_size=s["digit_size"], digits=s["digits"])
    return (moving_digits(s["n_train"], seed=0, split="train", **kw),
            moving_digits(s["n_test"], seed=1, split="test", **kw))


def make_model(s: PredictionSettings) -> ConvLSTMPredictor:
    runtime.seed_everything(0)
    return ConvLSTMPredictor(ConvLSTMConfig(features=s["features"], hidden=s["hidden"], kernel=s["kernel"],
                                            context=s["context"]))


def train_predictor(model: ConvLSTMPredictor, clips, s: PredictionSettings, *, device=None) -> train.History:
    """Train ``model`` on ``clips`` (time-flipped at random) for ``s.steps`` steps (one CPU thread: a small model)."""
    device = device or runtime.device()
    if device.type == "cpu":
        runtime.set_threads(params=runtime.count_params(model))
    return train.fit(model, clip_batches(clips, s["batch"]), steps=s["steps"], lr=s["lr"], warmup=s["warmup"],
                     max_seconds=s["max_seconds"], device=device, progress=False)


def clip_batches(clips, batch_size: int, seed: int = 1):
    """A ``batch()`` function for ``train.fit``: random clips (B, T, 1, H, W), each also flipped in time
    with probability 1/2 (a digit bouncing backwards is still a digit bouncing)."""
    generator = torch.Generator().manual_seed(seed)

    def batch():
        idx = torch.randint(0, len(clips), (batch_size,), generator=generator)
        videos = clips.videos[idx]
        flip = torch.rand(batch_size, generator=generator) < 0.5
        videos[flip] = videos[flip].flip(1)
        return videos
    return batch


def evaluate(model: ConvLSTMPredictor, clips, s: PredictionSettings, dev=None, batch: int = 100) -> dict:
    """Predictions and per-horizon figures on ``clips``: tensors of shape (horizon,) and the predicted
    frames (N, horizon, C, H, W), on the CPU."""
    dev = dev or next(model.parameters()).device
    k, horizon = s["context"], s["horizon"]
    model.eval()
    chunks = []
    with runtime.autocast(dev):
        for i in range(0, len(clips), batch):
            chunks.append(predict_frames(model, clips.videos[i:i + batch, :k].to(dev), horizon).float().cpu())
    predicted = torch.cat(chunks)
    truth = clips.videos[:, k:k + horizon]
    copied = copy_last_frame(clips.videos[:, :k], horizon)
    where = clips.positions[:, k:k + horizon, 0]                        # (N, horizon, 2): the digit's true centre

    def centroid_error(frames):                                         # (horizon,) mean distance in pixels
        return (centroids(frames) - where).norm(dim=-1).mean(dim=0)

    model_mse, copy_mse = error_by_horizon(predicted, truth), error_by_horizon(copied, truth)
    return {"predicted": predicted, "model_mse": model_mse, "copy_last_mse": copy_mse,
            "ratio": model_mse / copy_mse, "model_centroid": centroid_error(predicted),
            "copy_last_centroid": centroid_error(copied), "true_frame_centroid": centroid_error(truth)}
