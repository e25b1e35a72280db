"""Worked solutions for the exercises of notebooks/04_speech/01_classification.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("04_speech.01.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import math

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


def exercise_d():
    """MFCCs from a dB mel spectrogram: an orthonormal DCT-II over the mel axis, first n_mfcc rows.

    C[k, n] = sqrt(2 / N) cos(pi k (2n + 1) / (2N)), with row 0 scaled by 1 / sqrt(2) so that
    C is orthonormal (scipy's norm="ortho").  Each row is a cosine across the bands: row 0
    is the overall level, row 1 the tilt (low against high), higher rows finer ripples.
    """
    def mfcc_from_db(db, n_mfcc):
        n_mels = db.shape[0]
        n = torch.arange(n_mels, dtype=db.dtype)
        k = torch.arange(n_mfcc, dtype=db.dtype)[:, None]
        basis = torch.cos(math.pi * k * (2 * n + 1) / (2 * n_mels)) * math.sqrt(2.0 / n_mels)
        basis[0] /= math.sqrt(2.0)
        return basis @ db

    return mfcc_from_db


def wrong_d():
    """Forgets the special scaling of row 0, so the overall level comes out sqrt(2) too large."""
    def mfcc_from_db(db, n_mfcc):
        n_mels = db.shape[0]
        n = torch.arange(n_mels, dtype=db.dtype)
        k = torch.arange(n_mfcc, dtype=db.dtype)[:, None]
        basis = torch.cos(math.pi * k * (2 * n + 1) / (2 * n_mels)) * math.sqrt(2.0 / n_mels)
        return basis @ db

    return mfcc_from_db
