"""Griffin-Lim: turn a (mel) magnitude spectrogram back into a waveform, in plain torch.

A spectrogram keeps each frame's magnitudes and throws the phases away.  Griffin and
Lim (1984) find a signal whose STFT magnitude matches the target by alternating two
projections:

    X_0   = |S| * exp(i * random phase)
    x_k   = ISTFT(X_k)                       # a real signal (its STFT is "consistent")
    X_k+1 = |S| * exp(i * angle(STFT(x_k)))  # keep the phases, put the target magnitudes back

Each step cannot increase the distance between |STFT(x)| and |S| (eq. 6 of the paper).
Perraudin et al. (2013) add momentum (the "fast Griffin-Lim" that librosa uses), which
converges in far fewer steps.  A mel spectrogram has fewer bands than FFT bins, so we
first map it back to a linear-frequency magnitude with the filterbank's pseudo-inverse.

    wave = griffin_lim(magnitude, n_fft=512, hop_length=128, n_iter=32)
    wave = mel_to_wave(log_mel, sample_rate=16000, n_fft=512, hop_length=128)
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .features import hann_window, mel_filterbank, stft


def istft(spectrum: torch.Tensor, n_fft: int, hop_length: int, *, length: int | None = None,
          center: bool = True) -> torch.Tensor:
    """Inverse STFT by weighted overlap-add: complex (..., n_fft // 2 + 1, frames) -> (..., T).

    Each frame is inverse-FFT'd, multiplied by the (Hann) window again and added at
    ``f * hop``; dividing by the summed squared window undoes the two windowings
    (the least-squares inverse of Griffin and Lim, eq. 6).  Same result as ``torch.istft``.
    """
    shape = spectrum.shape
    spec = spectrum.reshape(-1, shape[-2], shape[-1])                       # (B, bins, F)
    n_frames = spec.shape[-1]
    window = hann_window(n_fft, device=spec.device, dtype=spec.real.dtype)
    frames = torch.fft.irfft(spec.transpose(1, 2), n=n_fft, dim=-1) * window  # (B, F, n_fft)
    total = n_fft + hop_length * (n_frames - 1)
    # overlap-add: F.fold places column f of (B, n_fft, F) at offset f * hop
    signal = F.fold(frames.transpose(1, 2), (1, total), (1, n_fft), stride=(1, hop_length)).reshape(-1, total)
    norm = F.fold((window ** 2)[None, :, None].expand(1, n_fft, n_frames), (1, total), (1, n_fft),
                  stride=(1, hop_length)).reshape(total)
    signal = signal / torch.where(norm > 1e-11, norm, torch.ones_like(norm))
    if center:
        signal = signal[:, n_fft // 2:]
        end = length if length is not None else total - n_fft
        signal = signal[:, :end]
    elif length is not None:
        signal = signal[:, :length]
    if length is not None and signal.shape[-1] < length:
        signal = F.pad(signal, (0, length - signal.shape[-1]))
    return signal.reshape(*shape[:-2], signal.shape[-1])


def griffin_lim(magnitude: torch.Tensor, n_fft: int, hop_length: int, *, n_iter: int = 32, momentum: float = 0.99,
                length: int | None = None, seed: int = 0, errors: list | None = None) -> torch.Tensor:
    """(..., n_fft // 2 + 1, frames) magnitude -> (..., T) waveform, by fast Griffin-Lim.

    ``momentum=0`` is the original algorithm; 0.99 is librosa's default.  Pass a list as ``errors`` to
    receive the spectral convergence ``|| |STFT(x_k)| - |S| || / || |S| ||`` after every iteration.
    """
    if magnitude.dim() < 2 or magnitude.shape[-2] != n_fft // 2 + 1:
        raise ValueError(f"magnitude {tuple(magnitude.shape)} must be (..., {n_fft // 2 + 1}, frames) for n_fft={n_fft}")
    if magnitude.is_complex() or (magnitude < 0).any():
        raise ValueError("griffin_lim needs a real, non-negative magnitude spectrogram")
    generator = torch.Generator().manual_seed(seed)
    phase = torch.rand(magnitude.shape, generator=generator) * 2 * math.pi
    angles = torch.polar(torch.ones_like(magnitude), phase.to(magnitude.device))
    previous = torch.zeros_like(angles)
    for _ in range(n_iter):
        wave = istft(magnitude * angles, n_fft, hop_length, length=length)
        rebuilt = stft(wave, n_fft, hop_length)[..., :magnitude.shape[-1]]           # consistent spectrum
        if errors is not None:
            errors.append(float(torch.linalg.norm(rebuilt.abs() - magnitude) / torch.linalg.norm(magnitude)))
        accelerated = rebuilt - (momentum / (1 + momentum)) * previous              # Perraudin et al., eq. (9)
        previous = rebuilt
        angles = accelerated / (accelerated.abs() + 1e-16)
    return istft(magnitude * angles, n_fft, hop_length, length=length)


def mel_to_magnitude(mel_power: torch.Tensor, sample_rate: int, n_fft: int) -> torch.Tensor:
    """(..., n_mels, F) mel power -> (..., n_fft // 2 + 1, F) linear magnitude, by the filterbank's pseudo-inverse."""
    bank = mel_filterbank(sample_rate, n_fft, mel_power.shape[-2]).to(mel_power)   # (n_mels, bins)
    power = torch.linalg.pinv(bank) @ mel_power                                      # least squares, then
    return power.clamp(min=0).sqrt()                                                 # no negative power


def mel_to_wave(log_mel: torch.Tensor, sample_rate: int, n_fft: int, hop_length: int, *, eps: float = 1e-6,
                n_iter: int = 32, length: int | None = None) -> torch.Tensor:
    """A vocoder with nothing to train: log-mel (as ``features.log_mel_spectrogram`` makes it) -> waveform."""
    magnitude = mel_to_magnitude((log_mel.exp() - eps).clamp(min=0), sample_rate, n_fft)
    return griffin_lim(magnitude, n_fft, hop_length, n_iter=n_iter, length=length)


def spectral_convergence(wave: torch.Tensor, magnitude: torch.Tensor, n_fft: int, hop_length: int) -> float:
    """``|| |STFT(wave)| - |S| ||_F / || |S| ||_F``: 0 when the magnitudes match exactly."""
    rebuilt = stft(wave, n_fft, hop_length).abs()[..., :magnitude.shape[-1]]
    return float(torch.linalg.norm(rebuilt - magnitude) / torch.linalg.norm(magnitude))
