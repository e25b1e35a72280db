"""The recipe of notebooks/03_image/05_detection: its sizes per profile and its two detectors' training.

CenterNet (``image.centernet``) and the two-stage detector (``image.rcnn``) learn from generated shapes
scenes (seed 0); the notebook and the ``image`` benchmark score them on held-out scenes (seed 1).
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import runtime, train
from ..settings import Settings
from . import centernet, rcnn


@dataclass
class DetectionSettings(Settings):
    size: int               # scene side, pixels
    train_scenes: int
    test_scenes: int
    batch: int              # CenterNet: images per step
    lr: float
    warmup: int             # steps of linear learning-rate warm-up
    centernet_width: int
    centernet_steps: int
    rcnn_width: int
    rcnn_batch: int         # two-stage: images per step, 16 regions each
    rcnn_steps: int


def detection_settings() -> DetectionSettings:
    """Per-profile sizes shared by notebooks/03_image/05_detection and the benchmark."""
    return DetectionSettings(
        size=32,
        train_scenes=runtime.pick(smoke=400, cpu=2000, gpu=8000),
        test_scenes=runtime.pick(smoke=60, cpu=300, gpu=1000),
        batch=runtime.pick(smoke=16, cpu=32, gpu=128),
        lr=runtime.pick(smoke=6e-3, cpu=3e-3, gpu=3e-3),
        warmup=runtime.pick(smoke=10, cpu=50, gpu=100),
        centernet_width=runtime.pick(smoke=8, cpu=8, gpu=16),
        centernet_steps=runtime.pick(smoke=60, cpu=400, gpu=2000),
        rcnn_width=runtime.pick(smoke=16, cpu=32, gpu=32),
        rcnn_batch=runtime.pick(smoke=8, cpu=16, gpu=64),
        rcnn_steps=runtime.pick(smoke=60, cpu=300, gpu=1000),
    )


def train_centernet(scenes, s: DetectionSettings, *, device=None) -> tuple[centernet.CenterNet, train.History]:
    """CenterNet on ``scenes`` (images, boxes, labels): heat-map, size and offset targets, ``fit`` with warm-up."""
    runtime.seed_everything(0)
    config = centernet.CenterNetConfig(width=s["centernet_width"])
    targets = centernet.centernet_targets(scenes.boxes, scenes.labels, s["size"], config)
    targets["images"] = scenes.images
    model = centernet.CenterNet(config)
    runtime.set_threads(params=runtime.count_params(model))
    history = train.fit(model, centernet.target_batches(targets, s["batch"]), steps=s["centernet_steps"],
                        lr=s["lr"], warmup=s["warmup"], device=device, progress=False)
    return model, history


def train_two_stage(scenes, s: DetectionSettings, *, device=None) -> tuple[rcnn.TwoStageDetector, train.History]:
    """The two-stage detector on ``scenes``: region batches around the true boxes, ``fit`` with warm-up."""
    runtime.seed_everything(0)
    model = rcnn.TwoStageDetector(rcnn.TwoStageConfig(width=s["rcnn_width"]))
    runtime.set_threads(params=runtime.count_params(model))
    history = train.fit(model, rcnn.rcnn_batches(scenes.images, scenes.boxes, scenes.labels, s["rcnn_batch"]),
                        steps=s["rcnn_steps"], lr=s["lr"], warmup=s["warmup"], device=device, progress=False)
    return model, history


def sliding_windows(s: DetectionSettings) -> list:
    """The two-stage detector's proposals at test time: square windows of 7, 10 and 13 pixels every 3."""
    return rcnn.sliding_window_proposals(s["size"], window_sizes=(7, 10, 13), step=3)
