"""The prediction part of the ``video`` benchmark (notebooks/05_video/02_prediction).

A ConvLSTM (``aigc_lab.video.convlstm``) reads ``context`` frames of held-out moving digits and
predicts the next ``horizon`` frames. Figures, per horizon 1..horizon:

- the mean squared error as a ratio to the copy-last-frame baseline's (the bar in the cpu profile:
  at most 0.6 at horizon 1, under 1 at horizon 5);
- the centroid error in pixels: the distance between the intensity-weighted centre of the predicted
  frame and the generator's known position of the digit, beside the same for copy-last and for the
  true frame itself (the floor: a digit's ink is not centred exactly in its box). A blurry
  prediction can beat copy-last on pixel error while putting the digit nowhere in particular; this
  figure catches that.

``settings()`` holds the per-profile sizes that the notebook uses too.
"""
from __future__ import annotations

import time

import torch

from .. import runtime, train
from ..data.video import moving_digits
from ..video.convlstm import (ConvLSTMConfig, ConvLSTMPredictor, centroids, copy_last_frame, error_by_horizon,
                              predict_frames)


def settings() -> dict:
    """Per-profile sizes shared by notebooks/05_video/02_prediction and this benchmark."""
    return {
        "size": 32, "digit_size": 12, "digits": 1,
        # clips of context + horizon frames; smoke: shorter clips, a smaller cell, big quick steps
        "context": runtime.pick(smoke=4, cpu=5), "horizon": runtime.pick(smoke=3, cpu=5),
        "n_train": runtime.pick(smoke=256, cpu=3000, gpu=10000),
        "n_test": runtime.pick(smoke=64, cpu=300, gpu=1000),
        "features": 16, "hidden": runtime.pick(smoke=16, cpu=32, gpu=64), "kernel": 3,
        "batch": runtime.pick(smoke=16, cpu=16, gpu=64),
        "steps": runtime.pick(smoke=60, cpu=600, gpu=3000),
        "max_seconds": runtime.pick(smoke=None, cpu=None, gpu=300),   # cpu: every step, for repeatable figures
        "lr": runtime.pick(smoke=1e-2, cpu=3e-3), "warmup": runtime.pick(smoke=5, cpu=20),
    }


def data(s: dict):
    """Training clips (seed 0, training digits) and held-out clips (seed 1, unseen handwriting)."""
    frames = s["context"] + s["horizon"]
    kw = dict(frames=frames, size=s["size"], digit_size=s["digit_size"], digits=s["digits"])
    return (moving_digits(s["n_train"], seed=0, split="train", **kw),
            moving_digits(s["n_test"], seed=1, split="test", **kw))


def make_model(s: dict) -> ConvLSTMPredictor:
    runtime.seed_everything(0)
    return ConvLSTMPredictor(ConvLSTMConfig(features=s["features"], hidden=s["hidden"], kernel=s["kernel"],
                                            context=s["context"]))


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


def evaluate(model: ConvLSTMPredictor, clips, s: dict, dev=None, batch: int = 100) -> dict:
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


def figures() -> dict:
    """Next-frame error ratio to copy-last and centroid errors by horizon on held-out clips, and seconds."""
    start = time.perf_counter()
    dev = runtime.device()
    s = settings()
    train_clips, test_clips = data(s)
    model = make_model(s)
    if dev.type == "cpu":
        runtime.set_threads(params=runtime.count_params(model))    # a small model: one thread is faster
    history = train.fit(model, clip_batches(train_clips, s["batch"]), steps=s["steps"], lr=s["lr"],
                        warmup=s["warmup"], max_seconds=s["max_seconds"], device=dev, progress=False)
    result = evaluate(model, test_clips, s, dev)
    rounded = {k: [round(float(x), 4) for x in v] for k, v in result.items() if k != "predicted"}
    return {"profile": runtime.profile(), "train_clips": s["n_train"], "test_clips": s["n_test"],
            "steps": history.step, "stopped": history.stopped, "params": runtime.count_params(model),
            "ratio_h1": rounded["ratio"][0], f"ratio_h{s['horizon']}": rounded["ratio"][-1],
            "by_horizon": rounded, "train_seconds": history.seconds, "seconds": time.perf_counter() - start}
