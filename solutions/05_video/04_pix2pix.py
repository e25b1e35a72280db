"""Worked solutions for the exercises of notebooks/05_video/04_pix2pix.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("05_video.04.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations


def exercise_a():
    """Walk back from one output value: a layer with kernel k and stride s turns a patch of r values
    after it into r * s + (k - s) values before it; start at 1 and go from the last layer to the first."""
    def receptive_field(layers):
        r = 1
        for kernel, stride in reversed(layers):
            r = r * stride + (kernel - stride)
        return r

    return receptive_field


def wrong_a():
    """Adds the kernel sizes as if every stride were 1: right only for stride-1 stacks."""
    def receptive_field(layers):
        return 1 + sum(kernel - 1 for kernel, _ in layers)

    return receptive_field


def exercise_b():
    """A pixel is shape when one of its channels differs from the background by more than the
    threshold; IoU is the overlap of the two masks over their union (union clamped to 1)."""
    def foreground_iou(predicted, target):
        a = (predicted - 0.08).abs().amax(dim=1) > 0.15
        b = (target - 0.08).abs().amax(dim=1) > 0.15
        return (a & b).sum(dim=(1, 2)) / (a | b).sum(dim=(1, 2)).clamp_min(1)

    return foreground_iou


def wrong_b():
    """Averages the channels instead of taking the largest difference: misses pure-colour pixels."""
    def foreground_iou(predicted, target):
        a = (predicted - 0.08).abs().mean(dim=1) > 0.15
        b = (target - 0.08).abs().mean(dim=1) > 0.15
        return (a & b).sum(dim=(1, 2)) / (a | b).sum(dim=(1, 2)).clamp_min(1)

    return foreground_iou
