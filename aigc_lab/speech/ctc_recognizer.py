"""A speech recogniser: convolutions, a bidirectional GRU and a CTC output layer (Deep Speech 2 in miniature).

    log-mel (B, n_mels, T)
      -> per-utterance normalisation (each band's mean and spread over the utterance's own frames)
      -> Conv1d(k=5, stride 2) -> BN -> ReLU -> Conv1d(k=3) -> BN -> ReLU     (B, C, T / 2): local sound patterns,
                                                                             half as many frames to recur over
      -> bidirectional GRU, ``layers`` deep                                   (B, T / 2, 2H): each frame sees the
                                                                             whole utterance, before and after
      -> Linear -> log-softmax over blank + characters                       (B, T / 2, V)

Trained with CTC (``F.ctc_loss``, see :mod:`aigc_lab.speech.decoding` for the loss written
out): no frame-level alignment is needed, only the transcript.  Amodei et al. (2016), "Deep
Speech 2", is this design at scale (2D convolutions, 7 recurrent layers, 12,000 hours).

    model = CTCRecognizer(CTCRecognizerConfig(n_mels=40, vocab_size=len(vocabulary)))
    loss = model.loss((log_mel, frames, targets, target_lengths))   # for train.fit
    log_probs, out_lengths = model(log_mel, frames)                 # (B, T', V), (B,)
    texts = transcribe(model, log_mel, frames, vocabulary)          # greedy, or beam=8
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .decoding import CharVocabulary, decode_batch


@dataclass
class CTCRecognizerConfig:
    n_mels: int = 40             # input features per frame
    vocab_size: int = 29         # blank + the characters (CharVocabulary(): space, a-z, apostrophe)
    channels: int = 128          # convolution channels
    hidden: int = 128            # GRU units per direction
    layers: int = 2              # stacked bidirectional GRU layers
    stride: int = 2              # the first convolution's time stride: output frames = ceil(T / stride)
    dropout: float = 0.1


class CTCRecognizer(nn.Module):
    def __init__(self, config: CTCRecognizerConfig):
        super().__init__()
        self.config = config
        c = config.channels
        self.conv = nn.Sequential(
            nn.Conv1d(config.n_mels, c, kernel_size=5, stride=config.stride, padding=2, bias=False), nn.BatchNorm1d(c),
            nn.ReLU(),
            nn.Conv1d(c, c, kernel_size=3, padding=1, bias=False), nn.BatchNorm1d(c), nn.ReLU(),
        )
        self.gru = nn.GRU(c, config.hidden, num_layers=config.layers, batch_first=True, bidirectional=True,
                          dropout=config.dropout if config.layers > 1 else 0.0)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(2 * config.hidden, config.vocab_size)

    def output_lengths(self, frames: torch.Tensor) -> torch.Tensor:
        """Frames after the strided convolution: floor((T + 2 * 2 - 5) / stride) + 1."""
        return torch.div(frames - 1, self.config.stride, rounding_mode="floor") + 1

    @staticmethod
    def normalise(log_mel: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
        """Each band to zero mean and unit variance over the utterance's valid frames; padding to 0."""
        valid = (torch.arange(log_mel.shape[-1], device=log_mel.device)[None] < frames[:, None])[:, None]  # (B, 1, T)
        count = frames[:, None, None].to(log_mel.dtype)
        mean = (log_mel * valid).sum(-1, keepdim=True) / count
        var = (((log_mel - mean) * valid) ** 2).sum(-1, keepdim=True) / count
        return ((log_mel - mean) / (var + 1e-5).sqrt()) * valid

    def forward(self, log_mel: torch.Tensor, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, n_mels, T) log-mel and (B,) valid frames -> log-probabilities (B, T', V) and (B,) valid T'."""
        x = self.conv(self.normalise(log_mel, frames))                    # (B, C, T')
        lengths = self.output_lengths(frames)
        # pack, so the backward direction starts at each utterance's own last frame, not in the padding
        packed = pack_padded_sequence(x.transpose(1, 2), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.gru(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[-1])   # (B, T', 2H)
        return F.log_softmax(self.head(self.dropout(out)).float(), dim=-1), lengths

    def loss(self, batch) -> torch.Tensor:
        """CTC loss per target character, averaged over the batch (F.ctc_loss's "mean" reduction)."""
        log_mel, frames, targets, target_lengths = batch
        log_probs, lengths = self(log_mel, frames)
        return F.ctc_loss(log_probs.transpose(0, 1), targets, lengths, target_lengths, blank=0, zero_infinity=True)


@torch.no_grad()
def transcribe(model: CTCRecognizer, log_mel: torch.Tensor, frames: torch.Tensor, vocabulary: CharVocabulary, *,
               beam: int | None = None, batch: int = 64) -> list[str]:
    """Texts for (N, n_mels, T) log-mels: greedy decoding, or prefix beam search with ``beam`` prefixes."""
    model.eval()
    device = next(model.parameters()).device
    texts = []
    for start in range(0, len(log_mel), batch):
        x, n = log_mel[start:start + batch], frames[start:start + batch]
        longest = int(n.max())
        log_probs, lengths = model(x[..., :longest].to(device), n.to(device))
        texts += decode_batch(log_probs, lengths.cpu(), vocabulary, beam=beam)
    return texts
