"""Checks for the exercises of notebooks/04_speech/03_synthesis.

Each check compares the learner's answer with a reference (WaveNet's ``mu_law_encode``, the
centred STFT's frame count, Gaussian upsampling written below) on inputs made up here, so the
notebook never holds the answer; Gaussian upsampling is also trained inside a tiny TTS decoder.
(04_speech.03.a, the hard length regulator, is retired: the notebook now writes it on screen.)
"""
from __future__ import annotations

import torch
import torch.nn as nn

from ..speech.fastspeech import length_regulate
from . import exercise


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


# --------------------------------------------------------------------------- d: Gaussian upsampling
def _gaussian_upsample(hidden: torch.Tensor, durations: torch.Tensor, sigma: float) -> torch.Tensor:
    """(N, d), (N,), sigma -> (T, d): frame t is the softmax-weighted mean of the phonemes, weights
    -(t + 1/2 - c_i)^2 / (2 sigma^2) with c_i = cumsum(d)_i - d_i / 2 (Non-Attentive Tacotron)."""
    d = durations.to(hidden.dtype)
    centres = torch.cumsum(d, 0) - d / 2                                          # (N,)
    t = torch.arange(int(durations.sum()), dtype=hidden.dtype) + 0.5              # (T,)
    weights = torch.softmax(-(t[:, None] - centres[None]) ** 2 / (2 * sigma ** 2), dim=1)   # (T, N)
    return weights @ hidden


def _decoder_loss_after_training(upsample, steps: int = 150) -> tuple[float, float]:
    """A tiny TTS decoder (phoneme embeddings -> upsample -> linear) trained to draw the frames of a fixed
    'teacher' (hard-regulated random phoneme vectors): (first loss, last loss)."""
    g = torch.Generator().manual_seed(3)
    teacher = torch.randn(6, 4, generator=g)                                     # 6 symbols, 4 mel bands
    utterances = []
    for _ in range(4):
        ids = torch.randint(0, 6, (5,), generator=g)
        durations = torch.randint(1, 5, (5,), generator=g)
        utterances.append((ids, durations, torch.repeat_interleave(teacher[ids], durations, dim=0)))
    torch.manual_seed(0)
    embed, out = nn.Embedding(6, 8), nn.Linear(8, 4)
    optimiser = torch.optim.Adam([*embed.parameters(), *out.parameters()], lr=0.05)
    losses = []
    for _ in range(steps):
        loss = 0.0
        for ids, durations, target in utterances:
            frames = upsample(embed(ids), durations, 0.5)
            loss = loss + ((out(torch.as_tensor(frames)) - target) ** 2).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    return losses[0], losses[-1]


@exercise("04_speech.03.d", kind="function",
          hint="See section 2's length regulator cell and exercise d's equation: the centres are cumsum(durations) "
               "- durations / 2; frame t sits at t + 0.5 for t = 0 .. sum(durations) - 1; the weights are a softmax "
               "over phonemes (dim 1 of a (T, N) matrix) of -(t + 0.5 - c_i)^2 / (2 sigma^2); return weights @ hidden.")
def _gaussian_upsampling(answer) -> bool:
    g = torch.Generator().manual_seed(2)
    for n, d, sigma in ((3, 2, 1.0), (7, 5, 2.5), (6, 3, 0.05)):
        hidden = torch.randn(n, d, generator=g)
        durations = torch.randint(1, 5, (n,), generator=g)
        mine = answer(hidden.clone(), durations.clone(), sigma)
        if mine is None:
            return False
        mine = torch.as_tensor(mine)
        expected = _gaussian_upsample(hidden, durations, sigma)
        if tuple(mine.shape) != tuple(expected.shape) or not torch.allclose(mine.to(expected.dtype), expected, atol=1e-5):
            return False
        if sigma < 0.1 and not torch.allclose(mine.to(expected.dtype), length_regulate(hidden[None], durations[None])[0][0],
                                              atol=1e-5):
            return False                                                          # sigma -> 0: the hard regulator
    first, last = _decoder_loss_after_training(answer)
    _, reference_last = _decoder_loss_after_training(_gaussian_upsample)
    return last < 0.2 * first and last <= 1.5 * reference_last + 1e-3
