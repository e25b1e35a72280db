"""Worked solutions for the exercises of notebooks/04_speech/01_classification.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("04_speech.01.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import numpy as np
import torch


def exercise_a():
    """HTK's mel scale, m = 2595 log10(1 + f / 700).

    Nearly linear below about 700 Hz and logarithmic above: equal steps in mels are
    roughly equal steps in perceived pitch.  torch.log10 keeps it a tensor operation.
    """
    def hz_to_mel(f):
        return 2595.0 * torch.log10(1.0 + f / 700.0)

    return hz_to_mel


def wrong_a():
    """Uses the natural logarithm with the log10 constant (the ln form needs 1127, not 2595)."""
    def hz_to_mel(f):
        return 2595.0 * torch.log(1.0 + f / 700.0)

    return hz_to_mel


def exercise_b():
    """The power spectrum of windowed frames: |rfft(frame * window)|^2 along each frame.

    The window tapers each frame to zero at its edges, so the frame's cut-off ends do
    not smear energy across all frequencies (spectral leakage).  rfft keeps the
    n_fft // 2 + 1 non-negative frequencies of a real signal.
    """
    def power_spectrum(frames, window):
        return torch.fft.rfft(frames * window, dim=-1).abs() ** 2

    return power_spectrum


def wrong_b():
    """Forgets the window (a rectangular window), so every frame leaks."""
    def power_spectrum(frames, window):
        return torch.fft.rfft(frames, dim=-1).abs() ** 2

    return power_spectrum


def exercise_c():
    """Mix noise at a target SNR: scale the noise so that 10 log10(P_speech / P_noise') = snr_db.

    With P the mean square, the noise is multiplied by sqrt(P_speech / (P_noise 10^(snr/10))).
    The 10 (not 20) is because P is a power; amplitudes would use 20 log10.
    """
    def mix_at_snr(speech, noise, snr_db):
        p_speech, p_noise = np.mean(speech ** 2), np.mean(noise ** 2)
        return speech + noise * np.sqrt(p_speech / (p_noise * 10 ** (snr_db / 10)))

    return mix_at_snr


def wrong_c():
    """Treats the SNR as an amplitude ratio in the power formula (20 instead of 10)."""
    def mix_at_snr(speech, noise, snr_db):
        p_speech, p_noise = np.mean(speech ** 2), np.mean(noise ** 2)
        return speech + noise * np.sqrt(p_speech / (p_noise * 10 ** (snr_db / 20)))

    return mix_at_snr


def exercise_e():
    """A depthwise-separable block (MobileNet; "Hello Edge" for keyword spotting): a depthwise 3x3 convolution
    (groups=c_in: each channel filtered on its own, 9 c_in weights) and a pointwise 1x1 convolution (c_in c_out
    weights) instead of one full 3x3 convolution (9 c_in c_out weights), each with batch norm and ReLU."""
    import torch.nn as nn
    import torch.nn.functional as F

    class SeparableBlock(nn.Module):
        def __init__(self, c_in, c_out):
            super().__init__()
            self.depthwise = nn.Conv2d(c_in, c_in, 3, padding=1, groups=c_in, bias=False)
            self.bn1 = nn.BatchNorm2d(c_in)
            self.pointwise = nn.Conv2d(c_in, c_out, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)

        def forward(self, x):                        # (B, c_in, H, W) -> (B, c_out, H, W)
            x = F.relu(self.bn1(self.depthwise(x)))
            return F.relu(self.bn2(self.pointwise(x)))

    return SeparableBlock


def wrong_e():
    """Only the pointwise 1x1 convolution: cheap, but it never looks at neighbouring frames or bands, so it
    cannot tell a rising chirp from a falling one."""
    import torch.nn as nn
    import torch.nn.functional as F

    class SeparableBlock(nn.Module):
        def __init__(self, c_in, c_out):
            super().__init__()
            self.pointwise = nn.Conv2d(c_in, c_out, 1, bias=False)
            self.bn = nn.BatchNorm2d(c_out)

        def forward(self, x):
            return F.relu(self.bn(self.pointwise(x)))

    return SeparableBlock
