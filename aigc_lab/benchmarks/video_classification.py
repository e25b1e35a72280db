"""The classification part of the ``video`` benchmark (notebooks/05_video/01_classification).

The notebook's recipe (``aigc_lab.video.classification_recipe``: sizes, models, training) makes the benchmark's
figures the notebook's. Both classifiers, the frame-averaged 2D CNN and the (2+1)D CNN, train on ``moving_shapes``
clips of seed 0 and are scored on clips of seed 1.
"""
from __future__ import annotations

import time

from .. import metrics, runtime
from ..data.video import moving_shapes
from ..video.classification_recipe import models, predict_all, settings, train_classifier


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
        history = train_classifier(model, train_clips, s, device=dev)
        predicted = predict_all(model, test_clips.videos, dev)
        figures[f"{name}_accuracy"] = (predicted == test_clips.motions).float().mean().item()
        figures[f"{name}_left_right_accuracy"] = (
            predicted[horizontal] == test_clips.motions[horizontal]).float().mean().item()
        figures[f"{name}_train_seconds"] = history.seconds
    figures["seconds"] = time.perf_counter() - start
    return figures
