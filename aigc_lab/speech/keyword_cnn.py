"""A small CNN that recognises spoken keywords from a log-mel spectrogram.

The spectrogram is treated as a one-channel image, frequency by time: a few blocks of
3x3 convolution -> batch norm -> ReLU -> 2x2 max pooling find local time-frequency
patterns (formant movements, bursts, fricative noise), each block seeing a larger
patch.  Pooling over time at the end (the average and the maximum) makes the answer
independent of *where* in the clip the word is; the frequency axis is kept, since
where energy sits in frequency is what tells "six" from "seven".  Sainath and Parada (2015) showed such
CNNs beat the older DNN keyword spotters at a fraction of the parameters.

    model = KeywordCNN(KeywordCNNConfig(n_mels=40, classes=20))
    logits = model(log_mel)                 # (B, 40, frames) -> (B, 20)
    history = train.fit(model, batches, steps=800)   # batches of (log_mel, label)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class KeywordCNNConfig:
    n_mels: int = 40                        # input height; divisible by 2 ** len(channels)
    classes: int = 20
    channels: tuple[int, ...] = (16, 32, 64)  # one block per entry: conv 3x3, batch norm, ReLU, max pool 2x2
    dropout: float = 0.1                    # before the classifier
    label_smoothing: float = 0.05           # a little, so the model is not pushed to certainties


class KeywordCNN(nn.Module):
    def __init__(self, config: KeywordCNNConfig):
        super().__init__()
        self.config = config
        blocks, c_in = [], 1
        for c in config.channels:
            blocks += [nn.Conv2d(c_in, c, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                       nn.MaxPool2d(2)]
            c_in = c
        self.blocks = nn.Sequential(*blocks)
        height = config.n_mels // 2 ** len(config.channels)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(2 * c_in * height, config.classes)

    @staticmethod
    def normalise(log_mel: torch.Tensor) -> torch.Tensor:
        """Per clip: subtract each mel band's mean over time (removes the channel's colouring and the
        loudness), then divide by the clip's standard deviation."""
        x = log_mel - log_mel.mean(dim=-1, keepdim=True)
        return x / (x.std(dim=(-2, -1), keepdim=True) + 1e-5)

    def forward(self, log_mel: torch.Tensor) -> torch.Tensor:
        x = self.normalise(log_mel)[:, None]          # (B, 1, n_mels, T)
        x = self.blocks(x)                            # (B, C, n_mels / 2^k, T / 2^k)
        # pool over time, two ways: the average (the whole word) and the maximum (its strongest moment,
        # not diluted by the silence and noise around a short word)
        x = torch.cat([x.mean(dim=-1), x.amax(dim=-1)], dim=1).flatten(1)   # (B, 2 * C * height)
        return self.head(self.dropout(x))             # (B, classes)

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        return F.cross_entropy(self(x), y, label_smoothing=self.config.label_smoothing)

    @torch.no_grad()
    def predict(self, log_mel: torch.Tensor) -> torch.Tensor:
        return self(log_mel).argmax(-1)


def augmented_batches(log_mel: torch.Tensor, labels: torch.Tensor, batch: int, *, seed: int = 0,
                      time_width: int | None = None, freq_width: int = 6, max_warp: float = 0.1):
    """A callable for ``train.fit``: random (log_mel, label) mini-batches, augmented.

    Each training clip's frequency axis is stretched by up to ``max_warp`` (vocal tract
    length perturbation: a new voice, roughly), then a few mel bands and a few frames
    are masked (SpecAugment), differently at every step.  Both make the model rely
    on the whole word rather than on one voice's details; they help most on voices it
    has never heard.
    """
    from .features import spec_augment, warp_frequencies

    generator = torch.Generator().manual_seed(seed)
    time_width = time_width or max(2, log_mel.shape[-1] // 10)

    def next_batch():
        idx = torch.randint(len(labels), (batch,), generator=generator)
        x = warp_frequencies(log_mel[idx], max_warp=max_warp, generator=generator) if max_warp else log_mel[idx]
        return spec_augment(x, time_width=time_width, freq_width=freq_width, generator=generator), labels[idx]

    return next_batch
