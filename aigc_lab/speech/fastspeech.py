"""FastSpeech (Ren et al. 2019), small: phonemes -> durations -> log-mel spectrogram, in parallel.

    phoneme ids (B, N) -> embedding + positions -> encoder (FFT blocks)         (B, N, d)
                       -> duration predictor -> log(1 + frames per phoneme)    (B, N)
                       -> length regulator: repeat each phoneme's vector d_i times   (B, T, d)
                       -> decoder (FFT blocks) -> linear                         (B, T, n_mels)

An FFT block ("feed-forward Transformer") is self-attention followed by two 1-D
convolutions instead of a position-wise MLP (section 3.1 of the paper): neighbouring
frames of speech depend on each other.  Training uses the *true* durations (here from the
engine's phoneme events; the paper took them from a teacher Tacotron's attention), so the
decoder sees the right number of frames; at inference the duration predictor decides, and
scaling its output changes the speed (section 3.3).  Tacotron instead *learns* the
alignment with attention, one frame at a time; :func:`alignment_matrix` draws the hard,
monotonic alignment that its attention has to discover.

    model = FastSpeech(FastSpeechConfig(n_symbols=len(vocab)))
    loss = model.loss(batch)                    # batch from data.speech_tts.collate
    log_mel = model.generate(ids)               # (n_mels, T)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class FastSpeechConfig:
    n_symbols: int                  # phoneme vocabulary, id 0 = padding
    n_mels: int = 80
    d_model: int = 128
    heads: int = 2
    conv_hidden: int = 256          # the FFT block's 1-D convolution width
    kernel: int = 3
    encoder_layers: int = 2
    decoder_layers: int = 2
    dropout: float = 0.1
    duration_weight: float = 1.0    # loss = L1(mel) + w * MSE(log(1 + duration))


def sinusoidal_positions(n: int, d: int, device=None) -> torch.Tensor:
    """(n, d): sin / cos at geometric frequencies (Vaswani et al. 2017, section 3.5)."""
    position = torch.arange(n, device=device, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, d, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / d))
    table = torch.zeros(n, d, device=device)
    table[:, 0::2], table[:, 1::2] = torch.sin(position * frequency), torch.cos(position * frequency)
    return table


class FFTBlock(nn.Module):
    """Self-attention + residual + norm, then conv1d -> ReLU -> conv1d + residual + norm."""

    def __init__(self, c: FastSpeechConfig):
        super().__init__()
        self.attention = nn.MultiheadAttention(c.d_model, c.heads, dropout=c.dropout, batch_first=True)
        self.norm1, self.norm2 = nn.LayerNorm(c.d_model), nn.LayerNorm(c.d_model)
        self.conv1 = nn.Conv1d(c.d_model, c.conv_hidden, c.kernel, padding=c.kernel // 2)
        self.conv2 = nn.Conv1d(c.conv_hidden, c.d_model, c.kernel, padding=c.kernel // 2)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:   # x (B, L, d), pad (B, L) True = padding
        a, _ = self.attention(x, x, x, key_padding_mask=pad, need_weights=False)
        x = self.norm1(x + self.dropout(a))
        h = self.conv2(F.relu(self.conv1(x.transpose(1, 2)))).transpose(1, 2)   # convolve over time
        x = self.norm2(x + self.dropout(h))
        return x.masked_fill(pad[..., None], 0.0)


def length_regulate(hidden: torch.Tensor, durations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Repeat phoneme i's vector ``durations[b, i]`` times: (B, N, d), (B, N) -> (B, T, d), frames (B,).

    T is the longest total; shorter sequences are zero-padded.  (Section 3.2 of FastSpeech.)
    """
    if hidden.shape[:2] != durations.shape:
        raise ValueError(f"hidden {tuple(hidden.shape)} and durations {tuple(durations.shape)} disagree")
    if (durations < 0).any():
        raise ValueError("durations must be >= 0")
    frames = durations.sum(dim=1)
    out = hidden.new_zeros(hidden.shape[0], max(int(frames.max()), 1), hidden.shape[-1])
    for b in range(hidden.shape[0]):
        expanded = torch.repeat_interleave(hidden[b], durations[b], dim=0)    # (frames_b, d)
        out[b, :len(expanded)] = expanded
    return out, frames


def alignment_matrix(durations: torch.Tensor) -> torch.Tensor:
    """(N,) durations -> (N, T) 0/1 matrix, 1 where frame t belongs to phoneme i.

    It is the hard, monotonic version of Tacotron's attention weights: ``frames = A^T @ phonemes``
    is exactly what :func:`length_regulate` computes.
    """
    owner = torch.repeat_interleave(torch.arange(len(durations)), durations)          # (T,) phoneme of each frame
    return F.one_hot(owner, len(durations)).T.float()


class FastSpeech(nn.Module):
    def __init__(self, config: FastSpeechConfig):
        super().__init__()
        c = self.config = config
        self.embed = nn.Embedding(c.n_symbols, c.d_model, padding_idx=0)
        self.encoder = nn.ModuleList(FFTBlock(c) for _ in range(c.encoder_layers))
        self.duration_predictor = nn.Sequential(                               # two convs, as in section 3.3
            nn.Conv1d(c.d_model, c.d_model, 3, padding=1), nn.ReLU(),
            nn.Conv1d(c.d_model, c.d_model, 3, padding=1), nn.ReLU(), nn.Conv1d(c.d_model, 1, 1))
        self.decoder = nn.ModuleList(FFTBlock(c) for _ in range(c.decoder_layers))
        self.to_mel = nn.Linear(c.d_model, c.n_mels)

    def encode(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """ids (B, N) -> hidden (B, N, d), predicted log(1 + duration) (B, N), padding mask (B, N)."""
        pad = ids == 0
        x = self.embed(ids) * math.sqrt(self.config.d_model) + sinusoidal_positions(ids.shape[1], self.config.d_model, ids.device)
        for block in self.encoder:
            x = block(x, pad)
        log_duration = self.duration_predictor(x.detach().transpose(1, 2)).squeeze(1)   # gradients stopped (as Glow-TTS)
        return x, log_duration.masked_fill(pad, 0.0), pad

    def decode(self, hidden: torch.Tensor, durations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """hidden (B, N, d), durations (B, N) -> log-mel (B, n_mels, T), frames (B,)."""
        x, frames = length_regulate(hidden, durations)
        pad = torch.arange(x.shape[1], device=x.device)[None] >= frames[:, None]   # (B, T)
        x = x + sinusoidal_positions(x.shape[1], self.config.d_model, x.device)
        for block in self.decoder:
            x = block(x, pad)
        return self.to_mel(x).transpose(1, 2), frames

    def loss(self, batch: dict) -> torch.Tensor:
        ids, durations, target = batch["ids"], batch["durations"], batch["log_mel"]
        hidden, log_duration, pad = self.encode(ids)
        mel, frames = self.decode(hidden, durations)                  # teacher-forced durations
        t = min(mel.shape[-1], target.shape[-1])
        mask = (torch.arange(t, device=ids.device)[None] < frames[:, None]).float()[:, None]   # (B, 1, T)
        mel_loss = ((mel[..., :t] - target[..., :t]).abs() * mask).sum() / (mask.sum() * mel.shape[1])
        keep = (~pad).float()
        duration_loss = (((log_duration - torch.log1p(durations.float())) ** 2) * keep).sum() / keep.sum()
        return mel_loss + self.config.duration_weight * duration_loss

    @torch.no_grad()
    def predict_durations(self, ids: torch.Tensor, speed: float = 1.0) -> torch.Tensor:
        """(N,) ids -> (N,) whole frames per phoneme; ``speed`` > 1 talks faster."""
        _, log_duration, _ = self.encode(ids[None])
        return torch.clamp(torch.round(torch.expm1(log_duration[0]) / speed), min=0).long()

    @torch.no_grad()
    def generate(self, ids: torch.Tensor, *, speed: float = 1.0, durations: torch.Tensor | None = None) -> torch.Tensor:
        """(N,) phoneme ids -> (n_mels, T) log-mel; all frames at once (no autoregression)."""
        self.eval()
        hidden, _, _ = self.encode(ids[None])
        if durations is None:
            durations = self.predict_durations(ids, speed)
        mel, _ = self.decode(hidden, durations[None].to(ids.device))
        return mel[0]


def text_to_speech(text: str, model: FastSpeech, vocab, *, sample_rate: int, n_fft: int, hop_length: int,
                   voice: str = "en-us", speed: float = 1.0, n_iter: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """Deep Voice's pipeline in three calls: text -> phonemes (eSpeak NG's grapheme-to-phoneme, in ``voice``),
    phonemes -> durations and log-mel (FastSpeech), log-mel -> waveform (Griffin-Lim).  Returns (wave, log_mel)."""
    from .griffin_lim import mel_to_wave

    ids = vocab.text_to_ids(text, voice)
    log_mel = model.generate(ids.to(next(model.parameters()).device), speed=speed).float().cpu()
    return mel_to_wave(log_mel, sample_rate, n_fft, hop_length, n_iter=n_iter), log_mel
