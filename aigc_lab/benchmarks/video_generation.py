"""The video-generation part of the ``video`` benchmark (notebooks/05_video/03_generation).

The notebook's recipe (``aigc_lab.video.generation_recipe``) gives the sizes and training. ``figures()`` trains
the conditional space-time VAE (``aigc_lab.video.clip_generator``) on ``moving_shapes`` clips, trains an
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

from .. import runtime
from ..data.video import MOTIONS
from ..video.generation_recipe import (consistency_figures, load_clips, motion_accuracy, settings, train_clip_vae,
                                       train_motion_classifier)


def figures() -> dict:
    """Train the notebook's generator and judge with the active profile's sizes and measure them."""
    start = time.perf_counter()
    s = settings()
    dev = runtime.device()
    train_videos, train_motions = load_clips(s["n_train"], 0, s)
    test_videos, test_motions = load_clips(s["n_test"], 1, s)
    model, history = train_clip_vae(train_videos, train_motions, s, device=dev)
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
