"""Checks for the exercises of notebooks/04_speech/03_synthesis.

Each check compares the learner's answer with the package's own (FastSpeech's
``length_regulate``, WaveNet's ``mu_law_encode``, the centred STFT's frame count) on
inputs made up here, so the notebook never holds the answer.
"""
from __future__ import annotations

import torch

from ..speech.fastspeech import length_regulate
from . import exercise


@exercise("04_speech.03.a", kind="function",
          hint="Repeat row i of hidden durations[i] times, in order (torch.repeat_interleave along dim 0); a phoneme "
               "with duration 0 disappears.")
def _length_regulator(answer) -> bool:
    g = torch.Generator().manual_seed(0)
    for n, d in ((3, 2), (7, 5)):
        hidden = torch.randn(n, d, generator=g)
        durations = torch.randint(0, 4, (n,), generator=g)
        durations[0] = 2
        expected = length_regulate(hidden[None], durations[None])[0][0, :int(durations.sum())]
        mine = answer(hidden.clone(), durations.clone())
        if mine is None or tuple(torch.as_tensor(mine).shape) != tuple(expected.shape):
            return False
        if not torch.allclose(torch.as_tensor(mine, dtype=expected.dtype), expected):
            return False
    return True


@exercise("04_speech.03.b", kind="function",
          hint="mu = classes - 1; y = sign(x) * log(1 + mu |x|) / log(1 + mu) lies in [-1, 1]; then map it to "
               "0 .. mu with round((y + 1) / 2 * mu) and return a long tensor.")
def _mu_law(answer) -> bool:
    from ..speech.wavenet import mu_law_encode

    g = torch.Generator().manual_seed(1)
    for wave in (torch.linspace(-1, 1, 101), torch.randn(500, generator=g).mul(0.2).clamp(-1, 1),
                 torch.tensor([0.0, 1.0, -1.0, 0.001, -0.001])):
        mine = answer(wave.clone())
        if mine is None or not torch.equal(torch.as_tensor(mine).long(), mu_law_encode(wave)):
            return False
    return True


@exercise("04_speech.03.c", kind="value",
          hint="A centred STFT pads n_fft // 2 samples at each end and puts frame f at sample f * hop, for every f "
               "with f * hop <= the clip's length: 1 + length // hop frames.")
def _frames(answer) -> bool:
    samples, hop = 24000, 160                  # 1.5 s at 16 kHz, 10 ms hop
    return isinstance(answer, int) and answer == 1 + samples // hop
