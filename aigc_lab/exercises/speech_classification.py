"""Checks for the exercises of notebooks/04_speech/01_classification.

Each check compares the learner's function with the package's own
(``features.hz_to_mel``, ``features.spectrogram``, ``data.speech.mix_at_snr``,
``features.dct_matrix``) on inputs made up here, so the notebook never holds the answer.
"""
from __future__ import annotations

import numpy as np
import torch

from ..data.speech import mix_at_snr
from ..speech import features
from . import exercise


@exercise("04_speech.01.a", kind="function",
          hint="HTK's mel scale is 2595 * log10(1 + f / 700); use torch.log10 so it works on tensors.")
def _hz_to_mel(answer) -> bool:
    hz = torch.tensor([0.0, 50.0, 440.0, 1000.0, 2500.0, 8000.0, 11025.0], dtype=torch.float64)
    mine = torch.as_tensor(answer(hz.clone()), dtype=torch.float64)
    return mine.shape == hz.shape and torch.allclose(mine, features.hz_to_mel(hz, htk=True), atol=1e-6)


@exercise("04_speech.01.b", kind="function",
          hint="Multiply each frame (a row) by the window, take torch.fft.rfft along the last dimension, "
               "then the squared magnitude: .abs() ** 2.")
def _power_spectrum(answer) -> bool:
    g = torch.Generator().manual_seed(0)
    for n_fft, hop in ((64, 16), (100, 40)):
        wave = torch.randn(700, generator=g, dtype=torch.float64)
        frames = features.frame(wave, n_fft, hop)                     # (n_frames, n_fft)
        window = features.hann_window(n_fft, dtype=torch.float64)
        reference = features.spectrogram(wave, n_fft, hop, center=False).T   # (n_frames, n_fft // 2 + 1)
        mine = torch.as_tensor(answer(frames.clone(), window.clone()), dtype=torch.float64)
        if mine.shape != reference.shape or not torch.allclose(mine, reference, rtol=1e-6, atol=1e-8):
            return False
    return True


@exercise("04_speech.01.c", kind="function",
          hint="Scale the noise by sqrt(P_speech / (P_noise * 10 ** (snr_db / 10))), where P is the mean of the "
               "squared samples, then add it to the speech.")
def _mix_at_snr(answer) -> bool:
    rng = np.random.default_rng(0)
    for snr in (0.0, 7.5, 20.0):
        speech_wave, noise = rng.standard_normal(4000) * 0.3, rng.standard_normal(4000) * 2.0
        mine = np.asarray(answer(speech_wave.copy(), noise.copy(), snr), dtype=np.float64)
        if mine.shape != speech_wave.shape or not np.allclose(mine, mix_at_snr(speech_wave, noise, snr), atol=1e-9):
            return False
    return True


@exercise("04_speech.01.d", kind="function",
          hint="C[k, n] = cos(pi * k * (2n + 1) / (2N)) * sqrt(2 / N), with row k = 0 divided by sqrt(2); "
               "then multiply it with the dB spectrogram: (n_mfcc, N) @ (N, frames).")
def _mfcc_from_db(answer) -> bool:
    g = torch.Generator().manual_seed(1)
    for n_mels, n_mfcc in ((40, 13), (26, 20)):
        db = torch.randn(n_mels, 30, generator=g, dtype=torch.float64) * 20 - 40
        reference = features.dct_matrix(n_mfcc, n_mels, dtype=torch.float64) @ db
        mine = torch.as_tensor(answer(db.clone(), n_mfcc), dtype=torch.float64)
        if mine.shape != reference.shape or not torch.allclose(mine, reference, atol=1e-8):
            return False
    return True
