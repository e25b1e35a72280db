"""Figures of notebooks/03_image/05_detection and 06_segmentation, for the ``image`` benchmark.

``figures()`` trains the notebooks' main models by their recipes (``image.detection_recipe``,
``image.segmentation_recipe``, the notebooks' own sizes) and scores them on held-out generated scenes (seed 1;
training uses seed 0):

- detection: CenterNet's mAP@0.5, the two-stage detector's mAP@0.5 with sliding-window
  proposals, and the random-box baseline;
- segmentation: the U-Net's mean IoU over background, circle, square and triangle, against
  predicting background everywhere.

The ``image`` benchmark calls ``figures()``; it registers nothing itself.
"""
from __future__ import annotations

import time

import torch

from .. import runtime
from ..data.shapes import shapes_scenes
from ..image import centernet, rcnn
from ..image.boxes import mean_average_precision, random_box_baseline
from ..image.detection_recipe import detection_settings, sliding_windows, train_centernet, train_two_stage
from ..image.segmentation_metrics import predict_all, segmentation_scores
from ..image.segmentation_recipe import segmentation_settings, train_unet


def detection_figures(device=None) -> dict:
    s = detection_settings()
    device = device or runtime.device()
    train_scenes = shapes_scenes(s["train_scenes"], size=s["size"], seed=0)
    test_scenes = shapes_scenes(s["test_scenes"], size=s["size"], seed=1)
    score = lambda found: mean_average_precision(found, test_scenes.boxes, test_scenes.labels, 3).mean_ap  # noqa: E731

    started = time.perf_counter()
    model, history = train_centernet(train_scenes, s, device=device)
    centernet_map = score(centernet.detect_all(model, test_scenes.images))
    centernet_seconds = time.perf_counter() - started

    started = time.perf_counter()
    two_stage, _ = train_two_stage(train_scenes, s, device=device)
    two_stage_map = score(rcnn.detect_all(two_stage, test_scenes.images, [sliding_windows(s)] * len(test_scenes)))
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
    started = time.perf_counter()
    model, history = train_unet(train_scenes, s, device=device)
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
