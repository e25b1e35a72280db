"""The classical route to classifying speech: fixed-length MFCC statistics and scikit-learn.

A clip becomes one vector, whatever its length: the mean and standard deviation of
each MFCC (and of its change from frame to frame, the "delta") over the frames
where someone is speaking, plus the MFCC means over the first, middle and last
part of the word (the order of the sounds: "no" against "go" differs at the
start, "seven" against "eleven" in the middle).  Any classifier that takes vectors
can then learn from it: a support vector machine, a random forest, gradient boosting.

Such hand-made statistics are fragile in noise: every noise-only frame shifts the
means.  Two classic remedies: a simple *voice activity detector* (keep only frames
within 20 dB of the loudest; on the course's noisy keywords it lifts an SVM from about
60% to about 90%) and *spectral subtraction* (Boll 1979; estimate each band's noise
power from the quietest frames and subtract it; a point or two on top, either way).

    x_train = mfcc_statistics(corpus.waves("train"), 16000)     # (N, 91) numpy
    for name, model in classical_models().items():
        model.fit(x_train, y_train)
"""
from __future__ import annotations

import numpy as np
import torch

from .features import dct_matrix, mel_spectrogram, power_to_db


def subtract_noise_floor(mel_power: torch.Tensor, *, over_subtraction: float = 2.0, quantile: float = 0.15,
                         floor: float = 0.01) -> torch.Tensor:
    """Spectral subtraction on a mel power spectrogram (..., n_mels, frames).

    The noise power of each band is estimated as a low ``quantile`` of that band over
    time (most frames of a short clip hold speech or silence plus noise; the quietest
    hold noise only).  ``over_subtraction`` times it is subtracted; what would go
    negative is kept at ``floor`` times the noise, so the log stays finite.
    """
    k = max(1, int(quantile * mel_power.shape[-1]))
    noise = mel_power.kthvalue(k, dim=-1, keepdim=True).values              # (..., n_mels, 1)
    return torch.clamp(mel_power - over_subtraction * noise, min=0.0) + floor * noise


def speech_frames(mel_power: torch.Tensor | np.ndarray, below_peak_db: float = 20.0) -> tuple[int, int]:
    """(first, last + 1) frame of a (n_mels, frames) power spectrogram whose total power is within
    ``below_peak_db`` dB of the loudest frame's: a simple voice activity detector."""
    level = 10 * np.log10(np.asarray(mel_power).sum(axis=0) + 1e-10)         # (frames,) dB
    active = np.flatnonzero(level >= level.max() - below_peak_db)
    return int(active[0]), int(active[-1]) + 1


def mfcc_statistics(waves: torch.Tensor, sample_rate: int, *, n_mfcc: int = 13, parts: int = 3, n_fft: int = 512,
                    hop_length: int = 160, n_mels: int = 40, denoise: bool = True, below_peak_db: float | None = 20.0,
                    chunk: int = 256) -> np.ndarray:
    """(N, T) waveforms -> (N, (4 + parts) * n_mfcc) features (91 with the defaults).

    Per clip: mel power spectrogram -> (spectral subtraction) -> dB -> DCT = MFCCs;
    then, over the speaking frames (all frames if ``below_peak_db`` is None), the mean
    and std of the MFCCs and of their deltas, and the MFCC means over ``parts`` equal
    stretches of those frames.  Clips are processed ``chunk`` at a time to bound memory;
    the spectra in torch, the small per-clip statistics in NumPy.
    """
    rows = []
    for batch in torch.split(waves, chunk):
        mel = mel_spectrogram(batch, sample_rate, n_fft, hop_length, n_mels)     # (B, n_mels, frames)
        if denoise:
            mel = subtract_noise_floor(mel)
        coefficients = (dct_matrix(n_mfcc, n_mels) @ power_to_db(mel)).numpy()  # (B, n_mfcc, frames)
        for c, power in zip(coefficients, mel.numpy()):
            start, end = speech_frames(power, below_peak_db) if below_peak_db is not None else (0, c.shape[1])
            if end - start < parts + 1:                                       # too short to cut: use every frame
                start, end = 0, c.shape[1]
            span = c[:, start:end]
            delta = np.diff(span, axis=1)
            pieces = [p.mean(axis=1) for p in np.array_split(span, parts, axis=1)]
            rows.append(np.concatenate([span.mean(1), span.std(1, ddof=1), delta.mean(1), delta.std(1, ddof=1), *pieces]))
    return np.stack(rows).astype(np.float32)


def classical_models(*, n_trees: int = 200, boosting_rounds: int = 100, seed: int = 0) -> dict:
    """Three scikit-learn classifiers, untrained: an RBF SVM, a random forest of ``n_trees`` trees,
    gradient boosting with ``boosting_rounds`` rounds (one tree per class each round).

    Gradient boosting is scikit-learn's histogram version (the LightGBM / XGBoost
    algorithm: features binned into 255 levels, trees grown on the bins).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return {
        "SVM (RBF kernel)": make_pipeline(StandardScaler(), SVC(C=10.0, gamma="scale")),
        "random forest": RandomForestClassifier(n_estimators=n_trees, random_state=seed, n_jobs=1),
        "gradient boosting": HistGradientBoostingClassifier(max_iter=boosting_rounds, learning_rate=0.1, early_stopping=False,
                                                            random_state=seed),
    }


def fit_classical(models: dict, x_train: np.ndarray, y_train: np.ndarray, *, threads: int = 1) -> dict[str, float]:
    """Fit each model; return its training seconds.  Threads are capped (OpenMP and BLAS): on a
    small, busy machine a single thread is fastest, and results do not depend on the core count."""
    import time

    from threadpoolctl import threadpool_limits

    seconds = {}
    with threadpool_limits(limits=threads):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(x_train, y_train)
            seconds[name] = time.perf_counter() - start
    return seconds
