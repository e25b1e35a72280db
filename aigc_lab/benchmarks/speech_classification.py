"""Speech classification figures (part 4, notebook 04_speech/01_classification), for the ``speech`` benchmark.

The same settings, models and recipes as the notebook: twenty spoken words (ten
digits, ten commands) synthesised by eSpeak NG with many voices, light noise and
reverberation; an SVM, a random forest and gradient boosting on MFCC statistics, and
a small CNN on log-mel spectrograms trained with ``aigc_lab.train.fit``.  Accuracy is
measured on voices that training never heard.  ``figures()`` returns accuracies,
sizes and seconds; the lead's ``speech`` benchmark calls it.

    AIGC_LAB_PROFILE=smoke python -c "from aigc_lab.benchmarks.speech_classification import figures; print(figures())"
"""
from __future__ import annotations

import time

import torch

from .. import metrics, runtime, train
from ..data import speech
from ..speech.classical import classical_models, fit_classical, mfcc_statistics
from ..speech.features import log_mel_spectrogram
from ..speech.keyword_cnn import KeywordCNN, KeywordCNNConfig, augmented_batches


def classification_settings() -> dict:
    """The per-profile sizes the notebook and ``figures`` share."""
    return {
        "words": speech.KEYWORDS,                                       # 10 digits + 10 commands
        "train_speakers": runtime.pick(smoke=12, cpu=96, gpu=128),      # each says every word once
        "test_speakers": runtime.pick(smoke=4, cpu=16, gpu=16),         # with voices never trained on
        "trees": runtime.pick(smoke=40, cpu=200, gpu=300),              # random forest
        "boosting_rounds": runtime.pick(smoke=15, cpu=100, gpu=200),    # gradient boosting
        # the CNN reads 40 log-mel bands every 20 ms (51 frames per one-second clip)
        "n_fft": 512, "hop_length": 320, "n_mels": 40,
        "channels": runtime.pick(smoke=(8, 16, 32), cpu=(16, 32, 64), gpu=(32, 64, 128)),
        "steps": runtime.pick(smoke=120, cpu=800, gpu=2000),
        "batch": runtime.pick(smoke=32, cpu=64, gpu=128),
        "lr": runtime.pick(smoke=1e-2, cpu=3e-3, gpu=3e-3),           # smoke: few steps, so larger ones
    }


def keyword_data(settings: dict, *, progress: bool = False) -> speech.SpeechCorpus:
    return speech.keyword_corpus(settings["words"], train_speakers=settings["train_speakers"],
                                 test_speakers=settings["test_speakers"], progress=progress)


def train_keyword_cnn(log_mel_train: torch.Tensor, y_train: torch.Tensor, settings: dict, *, device=None,
                      progress: bool = False) -> tuple[KeywordCNN, train.History]:
    """The notebook's recipe: a KeywordCNN, AdamW with warm-up and cosine decay, SpecAugment batches."""
    runtime.seed_everything(0)
    model = KeywordCNN(KeywordCNNConfig(n_mels=settings["n_mels"], classes=len(settings["words"]),
                                        channels=settings["channels"]))
    runtime.set_threads(params=runtime.count_params(model))
    history = train.fit(model, augmented_batches(log_mel_train, y_train, settings["batch"]), steps=settings["steps"],
                        lr=settings["lr"], warmup=settings["steps"] // 10, weight_decay=0.01, device=device,
                        progress=progress)
    return model, history


def figures() -> dict:
    s = classification_settings()
    seconds = {}
    start = time.perf_counter()
    corpus = keyword_data(s)
    seconds["corpus"] = time.perf_counter() - start                   # synthesis on first use, else a cache read
    x_train, x_test = corpus.waves("train"), corpus.waves("test")
    y_train, y_test = corpus.labels("train"), corpus.labels("test")

    start = time.perf_counter()
    stats_train, stats_test = mfcc_statistics(x_train, corpus.sample_rate), mfcc_statistics(x_test, corpus.sample_rate)
    seconds["mfcc_statistics"] = time.perf_counter() - start
    models = classical_models(n_trees=s["trees"], boosting_rounds=s["boosting_rounds"])
    fit_seconds = fit_classical(models, stats_train, y_train.numpy())
    accuracy = {name: float((m.predict(stats_test) == y_test.numpy()).mean()) for name, m in models.items()}

    log_mel = {split: log_mel_spectrogram(x, corpus.sample_rate, s["n_fft"], s["hop_length"], s["n_mels"])
               for split, x in (("train", x_train), ("test", x_test))}
    model, history = train_keyword_cnn(log_mel["train"], y_train, s, device=runtime.device())
    cnn_accuracy = metrics.accuracy(model, log_mel["test"], y_test)
    return {
        "svm_accuracy": round(accuracy["SVM (RBF kernel)"], 4),
        "random_forest_accuracy": round(accuracy["random forest"], 4),
        "gradient_boosting_accuracy": round(accuracy["gradient boosting"], 4),
        "cnn_accuracy": round(cnn_accuracy, 4),
        "majority_accuracy": round(metrics.majority_baseline(y_train, y_test), 4),
        "words": len(s["words"]),
        "train_clips": len(corpus.train), "test_clips": len(corpus.test),
        "train_voices": len(corpus.voices("train")), "test_voices": len(corpus.voices("test")),
        "cnn_params": runtime.count_params(model), "cnn_steps": history.step,
        "corpus_seconds": round(seconds["corpus"], 1),
        "classical_seconds": round(seconds["mfcc_statistics"] + sum(fit_seconds.values()), 1),
        "cnn_seconds": round(history.seconds, 1),
        "engine": f"espeakng-loader {corpus.engine['package']} (eSpeak NG {corpus.engine['espeak_ng']})",
    }
