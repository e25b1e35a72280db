"""Worked solutions for the exercises of notebooks/06_explainability/03_audio.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("06_explainability.03.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch


def exercise_a():
    """Frame f of a centred STFT sits at sample f * hop; it belongs to the word when that centre falls inside
    [start, end). Comparing the whole vector of centres with both ends gives the mask in one line."""
    def frame_evidence(span, hop, n_frames):
        centres = torch.arange(n_frames) * hop
        return (centres >= span[0]) & (centres < span[1])

    return frame_evidence


def wrong_a():
    """Divides the span by the hop and rounds down both ends: the frame whose centre lies just before the span
    gets counted, and the end is off by one."""
    def frame_evidence(span, hop, n_frames):
        mask = torch.zeros(n_frames, dtype=torch.bool)
        mask[span[0] // hop: span[1] // hop + 1] = True
        return mask

    return frame_evidence


def exercise_b():
    """One quantile per mel band over time (dim=-1, kept as a column), repeated across the frames. Zeros would
    not do as a baseline: a log-mel value of 0 is log(1), a loud sound, while silence is strongly negative, so
    "replacing by zero" adds energy instead of removing it."""
    def band_background(log_mel, q):
        return torch.quantile(log_mel, q, dim=-1, keepdim=True).expand_as(log_mel)

    return band_background


def wrong_b():
    """Takes the quantile over the bands of each frame (dim=0) instead of over time within each band."""
    def band_background(log_mel, q):
        return torch.quantile(log_mel, q, dim=0, keepdim=True).expand_as(log_mel)

    return band_background
