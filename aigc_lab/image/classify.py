"""The image-classification recipe every chapter shares: train a classifier with ``fit``, then score it.

``train_classifier`` trains any model with ``loss`` and ``predict`` (the course's networks);
``fit_classical`` fits and times a scikit-learn classifier on feature rows (pixels, HOG).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
import torch

from .. import metrics, runtime, train
from ..data.image import ImageSplit, augmented_batches, shuffled_batches


@dataclass
class ClassifierResult:
    history: train.History
    test_accuracy: float
    majority_accuracy: float     # the trivial baseline: always answer the commonest class
    params: int
    seconds: float
    epochs: float = 0.0          # training images seen / training set size

    @property
    def seconds_per_epoch(self) -> float:
        return self.seconds / self.epochs if self.epochs else float("nan")


def train_classifier(model: torch.nn.Module, data: ImageSplit, *, steps: int, batch: int = 64, lr: float = 3e-3,
                     max_seconds: float | None = None, device=None, seed: int = 0, progress: bool = True,
                     augment: bool = False, weight_decay: float = 0.0,
                     channels_last: bool | None = None) -> ClassifierResult:
    """Train ``model`` on ``data.x_train`` with AdamW and report test accuracy against the majority baseline.

    augment        train on randomly shifted, rotated and zoomed copies (``data.image.augment``)
    channels_last  store images and convolution weights as (B, H, W, C) in memory, which the GPU's
                   convolution kernels prefer; default on for CUDA, off for the CPU (where it does not pay)
    """
    runtime.seed_everything(seed)
    runtime.set_threads(params=runtime.count_params(model))
    dev = device if isinstance(device, torch.device) else runtime.device(device)
    make_batches = augmented_batches if augment else shuffled_batches
    batches = make_batches(data.x_train, data.y_train, batch, seed=seed)
    if channels_last is None:
        channels_last = dev.type == "cuda"
    if channels_last:
        model.to(memory_format=torch.channels_last)
        plain_batches = batches

        def batches():
            x, y = plain_batches()
            return x.contiguous(memory_format=torch.channels_last), y

    history = train.fit(model, batches, steps=steps, lr=lr, weight_decay=weight_decay,
                        warmup=min(50, steps // 10), max_seconds=max_seconds, device=dev, progress=progress)
    return ClassifierResult(
        history=history,
        test_accuracy=metrics.accuracy(model, data.x_test, data.y_test),
        majority_accuracy=metrics.majority_baseline(data.y_train, data.y_test),
        params=runtime.count_params(model),
        seconds=history.seconds,
        epochs=history.step * batch / len(data.y_train),
    )


@dataclass
class ClassicalResult:
    test_accuracy: float
    seconds: float                 # time to fit
    predictions: np.ndarray        # (N_test,) predicted class ids


def fit_classical(classifier, x_train, y_train, x_test, y_test, *, threads: int | None = None) -> ClassicalResult:
    """Fit a scikit-learn classifier on feature rows, time it and score it on the test rows.

    The thread pools scikit-learn uses (OpenMP in gradient boosting, BLAS in the SVM) are held to
    ``threads``: by default ``$AIGC_LAB_THREADS`` or one.  These data sets are small, so one thread
    loses little, whereas threads that wait on each other on a busy machine can lose a lot: gradient
    boosting with two threads ran over twenty times slower than with one while other work ran.
    """
    from threadpoolctl import threadpool_limits

    threads = threads or int(os.environ.get(runtime.THREADS_VARIABLE) or 1)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    with threadpool_limits(limits=threads):
        start = time.perf_counter()
        classifier.fit(np.asarray(x_train), y_train)
        seconds = time.perf_counter() - start
        predictions = classifier.predict(np.asarray(x_test))
    return ClassicalResult(float((predictions == y_test).mean()), seconds, predictions)
