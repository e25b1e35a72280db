"""Checks for the exercises of notebooks/04_speech/01_classification.

Each check compares the learner's function with the package's own (``features.hz_to_mel``,
``features.spectrogram``, ``data.speech.mix_at_snr``) on inputs made up here, so the notebook never
holds the answer; the depthwise-separable block (e) is counted, probed and trained in a tiny keyword
spotter.  (04_speech.01.d, the MFCC's DCT matrix, is retired: the notebook now writes it on screen.)
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..data.speech import mix_at_snr
from ..speech import features
from .. import runtime
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


# --------------------------------------------------------------------------- e: a depthwise-separable block
def _chirps(n: int, generator: torch.Generator, size: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """n noisy (size, size) 'spectrograms' in 4 classes: a rising or a falling line, in the low or the high half."""
    x = torch.randn(n, size, size, generator=generator) * 0.3
    y = torch.randint(0, 4, (n,), generator=generator)
    start = torch.randint(0, size - 6, (n,), generator=generator)
    for i in range(n):
        base = 1 if int(y[i]) < 2 else size // 2 + 1
        rising = int(y[i]) % 2 == 0
        for k in range(6):
            x[i, base + (k if rising else 5 - k), int(start[i]) + k] += 1.5
    return x, y


def _spotter_accuracy(block, steps: int = 120) -> float:
    """A tiny keyword spotter (a stem convolution, two of the learner's blocks, average pooling, a linear layer)
    trained on chirps with Adam; its accuracy on new chirps."""
    g = torch.Generator().manual_seed(4)
    x_train, y_train = _chirps(512, g)
    x_test, y_test = _chirps(256, g)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), block(8, 16), nn.MaxPool2d(2), block(16, 32),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 4))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    batches = torch.Generator().manual_seed(5)
    with runtime.threads(1):                      # a model this small trains faster on one thread
        for _ in range(steps):
            idx = torch.randint(0, len(y_train), (32,), generator=batches)
            loss = F.cross_entropy(model(x_train[idx, None]), y_train[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            return (model(x_test[:, None]).argmax(-1) == y_test).float().mean().item()


@exercise("04_speech.01.e", kind="function",
          hint="Section 8 shows the full 3x3 block. Make the 3x3 convolution depthwise: nn.Conv2d(c_in, c_in, 3, "
               "padding=1, groups=c_in) filters each channel on its own; then a pointwise nn.Conv2d(c_in, c_out, 1) "
               "mixes the channels; batch norm and ReLU after each; forward returns the result.")
def _separable_block(answer) -> bool:
    for c_in, c_out, h, w in ((16, 32, 10, 12), (8, 8, 5, 7)):
        block = answer(c_in, c_out).eval()
        x = torch.randn(2, c_in, h, w)
        with torch.no_grad():
            y = block(x)
            if y is None:
                raise NotImplementedError                            # forward left as the stub
            if tuple(y.shape) != (2, c_out, h, w):
                return False
            params = sum(p.numel() for p in block.parameters())
            if params == 0 or params > 9 * c_in * c_out / 2:
                return False                                         # not cheaper than a full 3x3 convolution
            # a 3x3 neighbourhood: changing one input pixel changes the outputs next to it, not two away
            poked = x.clone()
            poked[:, :, h // 2, w // 2] += 5.0
            changed = (block(poked) - y).abs().amax(dim=(0, 1)) > 1e-6    # (h, w)
        if not changed[h // 2, w // 2 + 1] or not changed[h // 2 + 1, w // 2] or changed[h // 2, w // 2 + 2]:
            return False
    return _spotter_accuracy(answer) >= 0.9
