"""The recipe of notebooks/04_speech/01_classification: spoken words on voices training never heard.

Twenty spoken words (ten digits, ten commands) synthesised by eSpeak NG with many voices, light noise and
reverberation; classical models on MFCC statistics and a small CNN on log-mel spectrograms trained with
``aigc_lab.train.fit``.  The notebook, the ``speech`` benchmark and the synthesis recipe's judges use these.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import runtime, train
from ..data import speech
from ..settings import Settings
from .keyword_cnn import KeywordCNN, KeywordCNNConfig, augmented_batches


@dataclass
class ClassificationSettings(Settings):
    words: tuple[str, ...]          # the classes: 10 digits + 10 commands
    train_speakers: int             # each says every word once
    test_speakers: int              # with voices never trained on
    trees: int                      # random forest
    boosting_rounds: int            # gradient boosting
    n_fft: int                      # log-mel: window, hop and bands
    hop_length: int
    n_mels: int
    channels: tuple[int, ...]       # the CNN's widths
    steps: int
    batch: int
    lr: float


def classification_settings() -> ClassificationSettings:
    """The per-profile sizes the notebook and the benchmark share."""
    return ClassificationSettings(
        words=speech.KEYWORDS,
        train_speakers=runtime.pick(smoke=12, cpu=96, gpu=128),
        test_speakers=runtime.pick(smoke=4, cpu=16, gpu=16),
        trees=runtime.pick(smoke=40, cpu=200, gpu=300),
        boosting_rounds=runtime.pick(smoke=15, cpu=100, gpu=200),
        # the CNN reads 40 log-mel bands every 20 ms (51 frames per one-second clip)
        n_fft=512, hop_length=320, n_mels=40,
        channels=runtime.pick(smoke=(8, 16, 32), cpu=(16, 32, 64), gpu=(32, 64, 128)),
        steps=runtime.pick(smoke=120, cpu=800, gpu=2000),
        batch=runtime.pick(smoke=32, cpu=64, gpu=128),
        lr=runtime.pick(smoke=1e-2, cpu=3e-3, gpu=3e-3),           # smoke: few steps, so larger ones
    )


def keyword_data(settings: ClassificationSettings, *, progress: bool = False) -> speech.SpeechCorpus:
    return speech.keyword_corpus(settings["words"], train_speakers=settings["train_speakers"],
                                 test_speakers=settings["test_speakers"], progress=progress)


def train_keyword_cnn(log_mel_train: torch.Tensor, y_train: torch.Tensor, settings: ClassificationSettings, *,
                      device=None, progress: bool = False) -> tuple[KeywordCNN, train.History]:
    """The notebook's recipe: a KeywordCNN, AdamW with warm-up and cosine decay, SpecAugment batches."""
    runtime.seed_everything(0)
    model = KeywordCNN(KeywordCNNConfig(n_mels=settings["n_mels"], classes=len(settings["words"]),
                                        channels=settings["channels"]))
    runtime.set_threads(params=runtime.count_params(model))
    history = train.fit(model, augmented_batches(log_mel_train, y_train, settings["batch"]), steps=settings["steps"],
                        lr=settings["lr"], warmup=settings["steps"] // 10, weight_decay=0.01, device=device,
                        progress=progress)
    return model, history
