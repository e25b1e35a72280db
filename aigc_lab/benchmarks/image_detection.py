"""Figures of notebooks/03_image/05_detection and 06_segmentation, for the ``image`` benchmark.

``figures()`` trains the notebooks' main models with the notebooks' own sizes (the settings
below are what the notebooks import) and scores them on held-out generated scenes (seed 1;
training uses seed 0):

- detection: CenterNet's mAP@0.5, the two-stage detector's mAP@0.5 with sliding-window
  proposals, and the random-box baseline;
- segmentation: the U-Net's mean IoU over background, circle, square and triangle, against
  predicting background everywhere.

The lead's ``image`` benchmark calls ``figures()``; it registers nothing itself.
"""
from __future__ import annotations

import time

import torch

from .. import runtime, train
from ..data.image import shuffled_batches
from ..data.shapes import shapes_scenes
from ..image import centernet, rcnn
from ..image.boxes import mean_average_precision, random_box_baseline
from ..image.segmentation_metrics import predict_all, segmentation_scores
from ..image.unet import UNet, UNetConfig


def detection_settings() -> dict:
    """Per-profile sizes shared by notebooks/03_image/05_detection and this benchmark."""
    return {
        "size": 32,                                                # scene side, pixels
        "train_scenes": runtime.pick(smoke=400, cpu=2000, gpu=8000),
        "test_scenes": runtime.pick(smoke=60, cpu=300, gpu=1000),
        "batch": runtime.pick(smoke=16, cpu=32, gpu=128),
        "lr": runtime.pick(smoke=6e-3, cpu=3e-3, gpu=3e-3),
        "warmup": runtime.pick(smoke=10, cpu=50, gpu=100),
        "centernet_width": runtime.pick(smoke=8, cpu=8, gpu=16),
        "centernet_steps": runtime.pick(smoke=60, cpu=400, gpu=2000),
        "rcnn_width": runtime.pick(smoke=16, cpu=32, gpu=32),
        "rcnn_batch": runtime.pick(smoke=8, cpu=16, gpu=64),      # images per step, 16 regions each
        "rcnn_steps": runtime.pick(smoke=60, cpu=300, gpu=1000),
    }


def segmentation_settings() -> dict:
    """Per-profile sizes shared by notebooks/03_image/06_segmentation and this benchmark."""
    return {
        "size": 32,
        "train_scenes": runtime.pick(smoke=400, cpu=2000, gpu=8000),
        "test_scenes": runtime.pick(smoke=100, cpu=300, gpu=1000),
        "batch": runtime.pick(smoke=8, cpu=16, gpu=64),
        "lr": runtime.pick(smoke=5e-3, cpu=3e-3, gpu=3e-3),
        "warmup": runtime.pick(smoke=10, cpu=30, gpu=100),
        "width": runtime.pick(smoke=8, cpu=8, gpu=16),             # base width of every model
        "steps": runtime.pick(smoke=60, cpu=400, gpu=1500),        # per model
        "unet_steps": runtime.pick(smoke=120, cpu=600, gpu=2500),  # the U-Net, the benchmark's model, trains longest
    }


def detection_figures(device=None) -> dict:
    s = detection_settings()
    device = device or runtime.device()
    train_scenes = shapes_scenes(s["train_scenes"], size=s["size"], seed=0)
    test_scenes = shapes_scenes(s["test_scenes"], size=s["size"], seed=1)
    score = lambda found: mean_average_precision(found, test_scenes.boxes, test_scenes.labels, 3).mean_ap  # noqa: E731

    runtime.seed_everything(0)
    config = centernet.CenterNetConfig(width=s["centernet_width"])
    targets = centernet.centernet_targets(train_scenes.boxes, train_scenes.labels, s["size"], config)
    targets["images"] = train_scenes.images
    model = centernet.CenterNet(config)
    runtime.set_threads(params=runtime.count_params(model))
    started = time.perf_counter()
    history = train.fit(model, centernet.target_batches(targets, s["batch"]), steps=s["centernet_steps"],
                        lr=s["lr"], warmup=s["warmup"], device=device, progress=False)
    centernet_map = score(centernet.detect_all(model, test_scenes.images))
    centernet_seconds = time.perf_counter() - started

    runtime.seed_everything(0)
    two_stage = rcnn.TwoStageDetector(rcnn.TwoStageConfig(width=s["rcnn_width"]))
    runtime.set_threads(params=runtime.count_params(two_stage))
    started = time.perf_counter()
    train.fit(two_stage, rcnn.rcnn_batches(train_scenes.images, train_scenes.boxes, train_scenes.labels,
                                           s["rcnn_batch"]),
              steps=s["rcnn_steps"], lr=s["lr"], warmup=s["warmup"], device=device, progress=False)
    windows = rcnn.sliding_window_proposals(s["size"], window_sizes=(7, 10, 13), step=3)
    two_stage_map = score(rcnn.detect_all(two_stage, test_scenes.images, [windows] * len(test_scenes)))
    two_stage_seconds = time.perf_counter() - started
    baseline = random_box_baseline(len(test_scenes), train_scenes.boxes, 3, s["size"])
    return {
        "detection_map50_centernet": round(centernet_map, 4),
        "detection_map50_two_stage": round(two_stage_map, 4),
        "detection_map50_random_boxes": round(score(baseline), 4),
        "centernet_steps": history.step,
        "centernet_seconds": round(centernet_seconds, 1),
        "two_stage_seconds": round(two_stage_seconds, 1),
    }


def segmentation_figures(device=None) -> dict:
    s = segmentation_settings()
    device = device or runtime.device()
    train_scenes = shapes_scenes(s["train_scenes"], size=s["size"], seed=0)
    test_scenes = shapes_scenes(s["test_scenes"], size=s["size"], seed=1)
    runtime.seed_everything(0)
    model = UNet(UNetConfig(in_channels=3, out_channels=4, base_width=s["width"]))
    runtime.set_threads(params=runtime.count_params(model))
    started = time.perf_counter()
    history = train.fit(model, shuffled_batches(train_scenes.images, train_scenes.masks, s["batch"]),
                        steps=s["unet_steps"], lr=s["lr"], warmup=s["warmup"], device=device, progress=False)
    scores = segmentation_scores(predict_all(model, test_scenes.images), test_scenes.masks, 4)
    all_background = segmentation_scores(torch.zeros_like(test_scenes.masks), test_scenes.masks, 4)
    return {
        "segmentation_mean_iou_unet": round(scores.mean_iou, 4),
        "segmentation_mean_iou_all_background": round(all_background.mean_iou, 4),
        "unet_steps": history.step,
        "unet_seconds": round(time.perf_counter() - started, 1),
    }


def figures() -> dict:
    """Detection mAP@0.5 and segmentation mean IoU on held-out scenes (seed 1), with seconds and profile."""
    started = time.perf_counter()
    out = {**detection_figures(), **segmentation_figures()}
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["profile"] = runtime.profile()
    return out
