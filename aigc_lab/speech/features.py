"""Audio features in plain torch: STFT, mel filterbank, mel spectrogram, MFCC.

Each function works on a waveform ``(T,)`` or a batch ``(B, T)`` and runs on any
device.  They follow librosa's conventions (tests/test_speech_features.py checks
them against librosa and ``torch.stft``), so results can be compared with most
speech papers and tutorials::

    spec = stft(wave, n_fft=512, hop_length=160)                # (..., 257, frames) complex
    mel = mel_spectrogram(wave, 16000, n_fft=512, hop_length=160, n_mels=40)   # (..., 40, frames) power
    feats = log_mel_spectrogram(wave, 16000)                    # log(mel + 1e-6), what the CNN reads
    coeffs = mfcc(wave, 16000, n_mfcc=13)                       # (..., 13, frames)

The pipeline, step by step:

1. **Frames**: cut the signal into overlapping windows of ``n_fft`` samples every
   ``hop_length`` samples (25-32 ms windows every 10 ms is usual for speech), after
   padding ``n_fft // 2`` zeros at each end so frame ``f`` is centred on sample ``f * hop``.
2. **STFT**: multiply each frame by a Hann window and take its discrete Fourier
   transform, ``X[k, f] = sum_n w[n] x[f * hop + n] exp(-2 pi i k n / n_fft)``.
3. **Power spectrogram**: ``|X|^2``.
4. **Mel filterbank**: ``n_mels`` triangular filters, equally spaced on the mel scale
   (roughly linear below 1 kHz, logarithmic above, like the ear's resolution), sum the
   power in bands: ``mel = F @ |X|^2``.
5. **Log**: loudness is perceived logarithmically; ``10 log10`` gives decibels.
6. **MFCC**: a DCT-II across the mel bands of the log-mel spectrum decorrelates them; the
   first 13 or so coefficients describe the spectral envelope (the vocal tract), not the pitch.
"""
from __future__ import annotations

import math

import torch


# --------------------------------------------------------------------------- 1-3: frames, STFT, power
def hann_window(n: int, *, periodic: bool = True, device=None, dtype=torch.float32) -> torch.Tensor:
    """``0.5 - 0.5 cos(2 pi n / N)``; periodic (N = n) for spectral analysis, as librosa and torch.stft use."""
    denominator = n if periodic else n - 1
    k = torch.arange(n, device=device, dtype=torch.float64)
    return (0.5 - 0.5 * torch.cos(2 * math.pi * k / denominator)).to(dtype)


def frame(wave: torch.Tensor, frame_length: int, hop_length: int) -> torch.Tensor:
    """(..., T) -> (..., n_frames, frame_length), frame f = wave[f * hop : f * hop + frame_length]."""
    return wave.unfold(-1, frame_length, hop_length)


def stft(wave: torch.Tensor, n_fft: int = 512, hop_length: int | None = None, *, win_length: int | None = None,
         center: bool = True, pad_mode: str = "constant") -> torch.Tensor:
    """Short-time Fourier transform: (..., T) -> complex (..., n_fft // 2 + 1, n_frames).

    Same result as ``torch.stft(wave, n_fft, hop_length, window=hann_window(n_fft),
    center=center, pad_mode=pad_mode, return_complex=True)`` and librosa's ``stft``
    (whose default pad mode is "constant", i.e. zeros).
    """
    hop_length = hop_length or n_fft // 4
    win_length = win_length or n_fft
    window = hann_window(win_length, device=wave.device, dtype=wave.dtype)
    if win_length < n_fft:                                  # centre a shorter window inside n_fft
        left = (n_fft - win_length) // 2
        window = torch.nn.functional.pad(window, (left, n_fft - win_length - left))
    if center:
        shape = wave.shape
        padded = torch.nn.functional.pad(wave.reshape(-1, 1, shape[-1]), (n_fft // 2, n_fft // 2), mode=pad_mode)
        wave = padded.reshape(*shape[:-1], -1)
    frames = frame(wave, n_fft, hop_length) * window        # (..., n_frames, n_fft)
    return torch.fft.rfft(frames, dim=-1).transpose(-1, -2)  # (..., n_fft // 2 + 1, n_frames)


def spectrogram(wave: torch.Tensor, n_fft: int = 512, hop_length: int | None = None, *, power: float = 2.0,
                **stft_options) -> torch.Tensor:
    """``|stft|^power``: power (2) or magnitude (1) spectrogram, (..., n_fft // 2 + 1, n_frames)."""
    return stft(wave, n_fft, hop_length, **stft_options).abs() ** power


# --------------------------------------------------------------------------- 4: the mel scale and its filterbank
def hz_to_mel(hz, *, htk: bool = False) -> torch.Tensor:
    """Hertz to mels.  HTK: ``2595 log10(1 + f / 700)``.  Slaney (librosa's default): linear
    below 1 kHz (3 mels per 200 Hz), logarithmic above (27 mels per factor 6.4)."""
    hz = torch.as_tensor(hz, dtype=torch.float64)
    if htk:
        return 2595.0 * torch.log10(1.0 + hz / 700.0)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    linear = hz / f_sp
    return torch.where(hz >= min_log_hz, min_log_mel + torch.log(torch.clamp(hz, min=min_log_hz) / min_log_hz) / logstep,
                       linear)


def mel_to_hz(mels, *, htk: bool = False) -> torch.Tensor:
    """The inverse of :func:`hz_to_mel`."""
    mels = torch.as_tensor(mels, dtype=torch.float64)
    if htk:
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    return torch.where(mels >= min_log_mel, min_log_hz * torch.exp(logstep * (mels - min_log_mel)), f_sp * mels)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int = 40, *, fmin: float = 0.0, fmax: float | None = None,
                   htk: bool = False, norm: str | None = "slaney") -> torch.Tensor:
    """(n_mels, n_fft // 2 + 1) triangular filters, as ``librosa.filters.mel``.

    Filter m rises from mel point m to m + 1 and falls to m + 2, where the ``n_mels + 2``
    points are equally spaced in mels between fmin and fmax.  ``norm="slaney"`` divides
    each triangle by its width in Hz, so every band has the same area (equal energy
    for white noise).
    """
    fmax = sample_rate / 2 if fmax is None else fmax
    # bin k of an n_fft-point rfft is at k * sample_rate / n_fft Hz (below sample_rate / 2 when n_fft is odd)
    fft_freqs = torch.fft.rfftfreq(n_fft, d=1.0 / sample_rate, dtype=torch.float64)     # (n_fft // 2 + 1,)
    points = mel_to_hz(torch.linspace(float(hz_to_mel(fmin, htk=htk)), float(hz_to_mel(fmax, htk=htk)), n_mels + 2,
                                      dtype=torch.float64), htk=htk)                     # (n_mels + 2,) Hz
    widths = points[1:] - points[:-1]                                                   # (n_mels + 1,)
    ramps = points[:, None] - fft_freqs[None, :]                                        # (n_mels + 2, n_bins)
    lower = -ramps[:-2] / widths[:-1, None]                                             # rising edge
    upper = ramps[2:] / widths[1:, None]                                                # falling edge
    weights = torch.clamp(torch.minimum(lower, upper), min=0.0)
    if norm == "slaney":
        weights *= (2.0 / (points[2:] - points[:-2]))[:, None]
    elif norm is not None:
        raise ValueError(f"norm must be 'slaney' or None, not {norm!r}")
    return weights.float()


def mel_spectrogram(wave: torch.Tensor, sample_rate: int, n_fft: int = 512, hop_length: int = 160, n_mels: int = 40, *,
                    fmin: float = 0.0, fmax: float | None = None, power: float = 2.0, win_length: int | None = None,
                    center: bool = True) -> torch.Tensor:
    """(..., T) -> (..., n_mels, n_frames): the power spectrogram summed in mel bands."""
    spec = spectrogram(wave, n_fft, hop_length, power=power, win_length=win_length, center=center)
    bank = mel_filterbank(sample_rate, n_fft, n_mels, fmin=fmin, fmax=fmax).to(spec.device, spec.dtype)
    return torch.matmul(bank, spec)                           # (n_mels, bins) @ (..., bins, frames)


# --------------------------------------------------------------------------- 5-6: decibels, log-mel, MFCC
def power_to_db(power: torch.Tensor, *, ref: float = 1.0, amin: float = 1e-10, top_db: float | None = 80.0) -> torch.Tensor:
    """``10 log10(max(amin, S) / ref)``, floored at ``top_db`` below each example's maximum (librosa's power_to_db).

    For a batch the floor is per example (over the last two dimensions), so one loud
    clip does not change another's features.
    """
    db = 10.0 * torch.log10(torch.clamp(power, min=amin)) - 10.0 * math.log10(max(amin, ref))
    if top_db is not None:
        peak = db.amax(dim=(-2, -1), keepdim=True)
        db = torch.maximum(db, peak - top_db)
    return db


def log_mel_spectrogram(wave: torch.Tensor, sample_rate: int, n_fft: int = 512, hop_length: int = 160, n_mels: int = 40,
                        *, eps: float = 1e-6, **options) -> torch.Tensor:
    """``log(mel + eps)``: the usual input of neural speech models, (..., n_mels, n_frames)."""
    return torch.log(mel_spectrogram(wave, sample_rate, n_fft, hop_length, n_mels, **options) + eps)


def dct_matrix(n_out: int, n_in: int, *, dtype=torch.float32) -> torch.Tensor:
    """(n_out, n_in) orthonormal DCT-II: ``C[k, n] = s_k cos(pi k (2n + 1) / (2 n_in))``,
    ``s_0 = sqrt(1 / n_in)``, ``s_k = sqrt(2 / n_in)`` (scipy's ``dct(type=2, norm="ortho")``)."""
    n = torch.arange(n_in, dtype=torch.float64)
    k = torch.arange(n_out, dtype=torch.float64)[:, None]
    basis = torch.cos(math.pi * k * (2 * n + 1) / (2 * n_in)) * math.sqrt(2.0 / n_in)
    basis[0] /= math.sqrt(2.0)
    return basis.to(dtype)


def mfcc(wave: torch.Tensor, sample_rate: int, n_mfcc: int = 13, n_fft: int = 512, hop_length: int = 160,
         n_mels: int = 40, *, top_db: float | None = 80.0, **options) -> torch.Tensor:
    """Mel-frequency cepstral coefficients, (..., n_mfcc, n_frames): DCT-II of the mel spectrum in dB."""
    db = power_to_db(mel_spectrogram(wave, sample_rate, n_fft, hop_length, n_mels, **options), top_db=top_db)
    return torch.matmul(dct_matrix(n_mfcc, n_mels, dtype=db.dtype).to(db.device), db)


# --------------------------------------------------------------------------- augmentation of features
def warp_frequencies(features: torch.Tensor, *, max_warp: float = 0.1, generator: torch.Generator | None = None) -> torch.Tensor:
    """Vocal tract length perturbation (Jaitly and Hinton 2013) on (B, n_mels, n_frames) features.

    A longer or shorter vocal tract moves every formant by roughly the same factor,
    which is what most separates one voice from another.  Each example's frequency
    axis is stretched by its own factor in [1 - max_warp, 1 + max_warp]
    (``out[m] = in[m / factor]``, interpolated linearly; the edge band fills in).
    """
    b, n_mels, _ = features.shape
    factor = 1 + (torch.rand(b, 1, generator=generator) * 2 - 1) * max_warp                  # (B, 1)
    source = (torch.arange(n_mels)[None, :] / factor).clamp(0, n_mels - 1).to(features.device)  # (B, n_mels)
    low = source.floor().long()
    high = (low + 1).clamp(max=n_mels - 1)
    weight = (source - low)[:, :, None].to(features.dtype)
    pick = lambda idx: torch.gather(features, 1, idx[:, :, None].expand_as(features))  # noqa: E731
    return pick(low) * (1 - weight) + pick(high) * weight


def spec_augment(features: torch.Tensor, *, freq_masks: int = 2, freq_width: int = 6, time_masks: int = 2,
                 time_width: int = 10, generator: torch.Generator | None = None) -> torch.Tensor:
    """SpecAugment (Park et al. 2019) without time warping: blank random bands of mel channels and of frames.

    ``features`` is (B, n_mels, n_frames); each example gets its own masks, filled
    with that example's mean.  Used on training batches only.
    """
    b, n_mels, n_frames = features.shape
    out = features.clone()
    fill = features.mean(dim=(1, 2), keepdim=True).expand_as(features)
    for size, width, count, axis in ((n_mels, freq_width, freq_masks, 1), (n_frames, time_width, time_masks, 2)):
        for _ in range(count):
            w = torch.randint(0, width + 1, (b, 1), generator=generator)
            start = (torch.rand(b, 1, generator=generator) * (size - w + 1)).long()
            idx = torch.arange(size)[None, :]
            mask = ((idx >= start) & (idx < start + w)).to(features.device)        # (B, size)
            mask = mask[:, :, None] if axis == 1 else mask[:, None, :]
            out = torch.where(mask, fill, out)
    return out
