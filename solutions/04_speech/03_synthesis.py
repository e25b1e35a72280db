"""Worked solutions for the exercises of notebooks/04_speech/03_synthesis.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("04_speech.03.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import math

import torch


def exercise_a():
    """FastSpeech's length regulator for one utterance: phoneme i's vector is repeated durations[i] times, in
    order, so N phoneme vectors become sum(durations) frame vectors (a phoneme of duration 0 is skipped).

    ``torch.repeat_interleave`` does exactly this along dim 0; it is the same as multiplying by the 0/1
    alignment matrix, A.T @ hidden.
    """
    def length_regulator(hidden, durations):
        return torch.repeat_interleave(hidden, durations, dim=0)

    return length_regulator


def wrong_a():
    """Repeats the whole sequence (Tensor.repeat) instead of each phoneme in place: the right number of frames,
    in the wrong order."""
    def length_regulator(hidden, durations):
        return hidden.repeat(int(durations.max()), 1)[:int(durations.sum())]

    return length_regulator


def exercise_b():
    """mu-law companding (WaveNet, eq. 2): y = sign(x) ln(1 + mu |x|) / ln(1 + mu), then the 256 levels
    round((y + 1) / 2 * mu).  Quiet samples get most of the levels, where speech spends most of its time."""
    def mu_law(wave, classes=256):
        mu = classes - 1
        x = wave.clamp(-1, 1)
        y = torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)
        return torch.round((y + 1) / 2 * mu).long()

    return mu_law


def wrong_b():
    """Quantises the sample linearly, without the logarithm: no finer steps near zero."""
    def mu_law(wave, classes=256):
        mu = classes - 1
        return torch.round((wave.clamp(-1, 1) + 1) / 2 * mu).long()

    return mu_law


def exercise_c():
    """A centred STFT of 24,000 samples with a hop of 160 has a frame at every sample f * 160 <= 24,000,
    that is f = 0 .. 150: 1 + 24000 // 160 = 151 frames (what FastSpeech's durations must add up to)."""
    return 151


def wrong_c():
    """24000 / 160 = 150 forgets the frame at sample 0."""
    return 150
