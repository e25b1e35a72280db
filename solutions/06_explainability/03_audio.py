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


def exercise_c():
    """Sliding-window occlusion over time: one batch of covered copies, then each frame's mean drop.

    Every copy has one window of frames (all bands) replaced by the band's background level;
    the drop p(x) - p(copy) is credited to every frame of the window, and a frame covered by
    several windows gets the mean of their drops, so the map is smooth and does not depend on
    where a grid of tiles happens to start.
    """
    def time_occlusion(probabilities, log_mel, target, window, stride):
        background = torch.quantile(log_mel, 0.1, dim=-1, keepdim=True).expand_as(log_mel)   # (F, T)
        n_frames = log_mel.shape[-1]
        starts = range(0, n_frames - window + 1, stride)
        copies = []
        for s in starts:
            covered = log_mel.clone()
            covered[:, s:s + window] = background[:, s:s + window]
            copies.append(covered)
        p = probabilities(log_mel[None])[0, target]
        drops = p - probabilities(torch.stack(copies))[:, target]                               # (windows,)
        total, count = torch.zeros(n_frames), torch.zeros(n_frames)
        for drop, s in zip(drops, starts):
            total[s:s + window] += drop
            count[s:s + window] += 1
        return total / count.clamp(min=1)

    return time_occlusion


def wrong_c():
    """Adds up the drops of the overlapping windows instead of averaging them: frames in the middle of the clip,
    covered by more windows, look more important than they are."""
    def time_occlusion(probabilities, log_mel, target, window, stride):
        background = torch.quantile(log_mel, 0.1, dim=-1, keepdim=True).expand_as(log_mel)
        n_frames = log_mel.shape[-1]
        total = torch.zeros(n_frames)
        p = probabilities(log_mel[None])[0, target]
        for s in range(0, n_frames - window + 1, stride):
            covered = log_mel.clone()
            covered[:, s:s + window] = background[:, s:s + window]
            total[s:s + window] += p - probabilities(covered[None])[0, target]
        return total

    return time_occlusion
