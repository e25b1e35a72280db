"""Speech classification figures (part 4, notebook 04_speech/01_classification), for the ``speech`` benchmark.

The notebook's settings and recipes (``aigc_lab.speech.classification_recipe``): an SVM, a random forest and
gradient boosting on MFCC statistics, and a small CNN on log-mel spectrograms.  Accuracy is measured on
voices that training never heard.  ``figures()`` returns accuracies, sizes and seconds; the ``speech``
benchmark calls it.

    AIGC_LAB_PROFILE=smoke python -c "from aigc_lab.benchmarks.speech_classification import figures; print(figures())"
"""
from __future__ import annotations

import time

from .. import metrics, runtime
from ..speech.classical import classical_models, fit_classical, mfcc_statistics
from ..speech.classification_recipe import classification_settings, keyword_data, train_keyword_cnn
from ..speech.features import log_mel_spectrogram


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
