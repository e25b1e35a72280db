"""Worked solutions for the exercises of notebooks/04_speech/03_synthesis.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("04_speech.03.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import math

import torch


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


def exercise_d():
    """Gaussian upsampling (Non-Attentive Tacotron), a soft length regulator: phoneme i's centre is halfway through
    its frames, c_i = cumsum(d)_i - d_i / 2; frame t (at t + 1/2) takes the softmax over phonemes of
    -(t + 1/2 - c_i)^2 / (2 sigma^2) as weights and returns the weighted mean of the phoneme vectors.  As sigma
    shrinks, each frame takes only its own phoneme: the hard regulator of section 2."""
    def gaussian_upsample(hidden, durations, sigma):
        d = durations.to(hidden.dtype)
        centres = torch.cumsum(d, 0) - d / 2                                     # (N,)
        t = torch.arange(int(durations.sum()), dtype=hidden.dtype) + 0.5         # (T,)
        weights = torch.softmax(-(t[:, None] - centres[None]) ** 2 / (2 * sigma ** 2), dim=1)   # (T, N)
        return weights @ hidden                                                  # (T, d)

    return gaussian_upsample


def wrong_d():
    """Puts each phoneme's centre at the end of its frames (cumsum(d)) instead of halfway: every frame leans
    towards the phoneme before it."""
    def gaussian_upsample(hidden, durations, sigma):
        d = durations.to(hidden.dtype)
        centres = torch.cumsum(d, 0)
        t = torch.arange(int(durations.sum()), dtype=hidden.dtype) + 0.5
        weights = torch.softmax(-(t[:, None] - centres[None]) ** 2 / (2 * sigma ** 2), dim=1)
        return weights @ hidden

    return gaussian_upsample
