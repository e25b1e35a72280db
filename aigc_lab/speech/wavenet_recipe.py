"""The recipe of the WaveNet vocoder in notebooks/04_speech/03_synthesis: log-mel in, 8 kHz wave out.

Data: short words in one eSpeak NG voice at 8 kHz (the corpus resamples the engine's
22,050 Hz band-limited, by the FFT), each cut to at most half a second around the word.
A few words are held out: the demo conditions on a held-out word's log-mel, so the model
has never heard that waveform.  ``wavenet_demo`` trains it and measures what the notebook shows:

- held-out negative log-likelihood in bits per sample, against 8 bits (a uniform guess over
  the 256 mu-law classes) and the entropy of the classes' frequencies (a guess without context);
- a log-mel distance (mean absolute dB difference) from the generated wave to the engine's,
  against the same distance for white noise of the same loudness and for silence;
- generation speed in samples per second, fast (queues) and plain (recompute), against
  the 8,000 a second that real time needs.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from .. import runtime, train
from ..data import speech
from ..settings import Settings
from .features import log_mel_spectrogram, mel_spectrogram, power_to_db
from .recognition_recipe import one_thread
from .wavenet import WaveNet, WaveNetConfig, generate, mu_law_encode, receptive_field

SAMPLE_RATE = 8000
WORDS = speech.KEYWORDS + (
    "cat", "dog", "red", "blue", "green", "hot", "cold", "sun", "moon", "tree", "fish", "bird", "milk", "book",
    "hand", "house", "water", "light", "fan", "door", "bed", "cup", "hat", "box", "car", "bus", "rain", "snow",
    "wind", "leaf", "rose", "lamp", "chair", "shoe", "sock", "egg", "bread", "cake", "apple", "king")
HELD_OUT = ("seven", "house", "yes", "rain")        # never trained on; the demo speaks the first


@dataclass
class WaveNetSettings(Settings):
    voice: str                       # the eSpeak NG voice of every word
    words: tuple[str, ...]
    held_out: tuple[str, ...]        # never trained on
    max_samples: int                 # longest clip, samples
    n_fft: int                       # conditioning log-mel: window, hop and bands
    hop: int
    n_mels: int
    channels: int                    # residual channels
    skip_channels: int
    dilations: tuple[int, ...]       # one causal convolution per dilation
    segment: int                     # samples per training crop
    batch: int
    steps: int
    max_seconds: float | None        # or stop training after this much wall time
    lr: float
    demo_samples: int                # how much of the held-out word to generate
    plain_samples: int               # timed with the plain (recomputing) sampler
    temperature: float


def wavenet_settings() -> WaveNetSettings:
    """The per-profile sizes the notebook and the benchmark share."""
    return WaveNetSettings(
        voice="en-us+m3", words=WORDS, held_out=HELD_OUT,
        max_samples=4000,                                          # half a second at 8 kHz
        n_fft=256, hop=64, n_mels=32,                              # 32 ms windows every 8 ms
        channels=runtime.pick(smoke=16, cpu=32, gpu=64),
        skip_channels=runtime.pick(smoke=32, cpu=64, gpu=128),
        dilations=runtime.pick(smoke=(1, 2, 4, 8, 16, 32), cpu=(1, 2, 4, 8, 16, 32, 64, 128),
                               gpu=(1, 2, 4, 8, 16, 32, 64, 128) * 2),
        segment=runtime.pick(smoke=512, cpu=2048, gpu=4096),
        batch=runtime.pick(smoke=4, cpu=4, gpu=32),
        steps=runtime.pick(smoke=40, cpu=600, gpu=4000),
        max_seconds=None,
        lr=runtime.pick(smoke=6e-3, cpu=6e-3, gpu=3e-3),          # cpu: the better of two tried (NOTES.md)
        demo_samples=runtime.pick(smoke=800, cpu=4000, gpu=4000),
        plain_samples=runtime.pick(smoke=300, cpu=600, gpu=600),
        temperature=1.0,
    )


# --------------------------------------------------------------------------- data
def features(wave: torch.Tensor, settings: WaveNetSettings) -> torch.Tensor:
    """(..., T) wave at 8 kHz -> (..., n_mels, 1 + T // hop) conditioning: log-mel, floored at 1e-5 and
    scaled to roughly [-1, 1] (silence -1)."""
    log_mel = log_mel_spectrogram(wave, SAMPLE_RATE, settings["n_fft"], settings["hop"], settings["n_mels"], eps=1e-5)
    return (log_mel + 5.75) / 5.75


def word_clips(settings: WaveNetSettings) -> dict[str, np.ndarray]:
    """word -> (T,) float32 wave at 8 kHz, the word plus 40 ms each side, at most ``max_samples``, a multiple of hop."""
    spec = speech.CorpusSpec("keywords", tuple(settings["words"]), train_speakers=1, test_speakers=0, per_speaker=1,
                             sample_rate=SAMPLE_RATE, clip_seconds=None, augmentation=speech.CLEAN,
                             single_voice=settings["voice"])
    corpus = speech.load_corpus(spec, progress=False)
    margin, hop, out = SAMPLE_RATE // 25, settings["hop"], {}
    for clip in corpus.train:
        spoken = [s for s in clip.phonemes if s.label != "_"]
        start = max(0, spoken[0].start - margin)
        end = min(len(clip.audio), spoken[-1].end + margin, start + settings["max_samples"])
        out[clip.text] = clip.wave[start:start + (end - start) // hop * hop]
    return out


def training_batches(wave: torch.Tensor, cond: torch.Tensor, settings: WaveNetSettings, *, seed: int = 0):
    """A callable for ``train.fit``: random crops of the long training wave, aligned to frames.

    A crop of segment + 1 samples starting at frame f (sample f * hop) goes with frames
    f .. f + segment / hop: (codes (B, segment + 1), cond (B, n_mels, segment / hop + 1)).
    """
    hop, segment, generator = settings["hop"], settings["segment"], torch.Generator().manual_seed(seed)
    codes = mu_law_encode(wave)
    n_starts = (len(wave) - segment - 1) // hop

    def next_batch():
        frames = torch.randint(0, n_starts, (settings["batch"],), generator=generator)
        x = torch.stack([codes[f * hop:f * hop + segment + 1] for f in frames.tolist()])
        c = torch.stack([cond[:, f:f + segment // hop + 1] for f in frames.tolist()])
        return x, c

    return next_batch


def train_wavenet(settings: WaveNetSettings, clips: dict, *, device=None, progress: bool = False):
    """The notebook's recipe: the training words joined into one wave, AdamW with warm-up and cosine decay."""
    words = [w for w in settings["words"] if w not in settings["held_out"]]
    wave = torch.from_numpy(np.concatenate([clips[w] for w in words]))
    cond = features(wave, settings)                                  # (n_mels, frames), frame f at sample f * hop
    runtime.seed_everything(0)
    config = WaveNetConfig(channels=settings["channels"], skip_channels=settings["skip_channels"],
                           dilations=tuple(settings["dilations"]), n_mels=settings["n_mels"], hop=settings["hop"])
    model = WaveNet(config)
    runtime.set_threads(one_thread())
    history = train.fit(model, training_batches(wave, cond, settings), steps=settings["steps"], lr=settings["lr"],
                        warmup=max(1, settings["steps"] // 20), max_seconds=settings["max_seconds"], log_every=1,
                        device=device, progress=progress)
    return model, history, wave


# --------------------------------------------------------------------------- measurements
@torch.no_grad()
def bits_per_sample(model: WaveNet, clips: list[np.ndarray], settings: WaveNetSettings) -> float:
    """Teacher-forced negative log-likelihood of whole clips, in bits per sample (nats / ln 2)."""
    dev = next(model.parameters()).device
    total, count = 0.0, 0
    for wave in clips:
        w = torch.from_numpy(wave)
        codes, cond = mu_law_encode(w)[None].to(dev), features(w, settings)[None].to(dev)
        n = codes.shape[1] - 1
        total += float(model.loss((codes, cond))) * n
        count += n
    return total / count / math.log(2)


def class_entropy_bits(wave: torch.Tensor, classes: int = 256) -> float:
    """Entropy of the mu-law classes' frequencies: the best bits per sample without looking at the past."""
    p = torch.bincount(mu_law_encode(wave), minlength=classes).double()
    p = p[p > 0] / p.sum()
    return float(-(p * p.log2()).sum())


def log_mel_distance(a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor, settings: WaveNetSettings) -> float:
    """Mean absolute difference of two waves' mel spectrograms in dB (floored at -80 dB), over the shorter length."""
    a, b = torch.as_tensor(a, dtype=torch.float32), torch.as_tensor(b, dtype=torch.float32)
    n = min(len(a), len(b))
    db = [power_to_db(mel_spectrogram(w[:n], SAMPLE_RATE, settings["n_fft"], settings["hop"], settings["n_mels"]),
                      amin=1e-8, top_db=None) for w in (a, b)]
    return float((db[0] - db[1]).abs().mean())


def wavenet_demo(settings: WaveNetSettings | None = None, *, progress: bool = False) -> dict:
    """Train, then speak a held-out word from its log-mel; everything the notebook shows and the figures."""
    s = settings or wavenet_settings()
    clips = word_clips(s)
    model, history, train_wave = train_wavenet(s, clips, device=runtime.device(), progress=progress)
    held_out = [clips[w] for w in s["held_out"]]
    reference = held_out[0][:s["demo_samples"] // s["hop"] * s["hop"]]
    cond = features(torch.from_numpy(reference), s)                  # (n_mels, frames)

    start = time.perf_counter()
    wave = generate(model, cond, length=len(reference), temperature=s["temperature"], seed=0).numpy()
    fast_seconds = time.perf_counter() - start
    start = time.perf_counter()
    generate(model, cond, length=min(len(reference), s["plain_samples"]), seed=0, fast=False)
    plain_seconds = time.perf_counter() - start

    rms = float(np.sqrt(np.mean(reference ** 2)))
    noise = np.random.default_rng(0).standard_normal(len(reference)).astype(np.float32) * rms
    return {
        "model": model, "wave": wave.astype(np.float32), "reference": reference.astype(np.float32),
        "sample_rate": SAMPLE_RATE, "word": s["held_out"][0], "condition": cond,
        "samples_per_second": len(reference) / fast_seconds,
        "plain_samples_per_second": min(len(reference), s["plain_samples"]) / plain_seconds,
        "seconds": history.seconds, "steps": history.step, "losses": list(history.train_loss),
        "receptive_field": receptive_field(model.config), "params": runtime.count_params(model),
        "train_samples": len(train_wave),
        "heldout_bits": bits_per_sample(model, held_out, s), "uniform_bits": 8.0,
        "class_entropy_bits": class_entropy_bits(train_wave),
        "mel_distance_db": log_mel_distance(wave, reference, s),
        "noise_mel_distance_db": log_mel_distance(noise, reference, s),
        "silence_mel_distance_db": log_mel_distance(np.zeros_like(reference), reference, s),
    }
