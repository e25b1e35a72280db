"""The speech chapter's benchmark: one entry that runs every notebook's measured figures.

Each part lives beside the notebook it measures and is sized by the profile:
classification of spoken words on unseen voices (04_speech/01: classical models on
MFCC statistics and a CNN) and recognition (04_speech/02: word HMMs, and a conv +
BiGRU recogniser trained with CTC, scored by character and word error rate).  All
audio is synthesised offline by eSpeak NG (``aigc_lab.data.speech``).
"""
from __future__ import annotations

import importlib

from ..bench import register

PARTS = {                         # figure group -> module under aigc_lab.benchmarks with a figures() function
    "classification": "speech_classification",
    "recognition": "speech_recognition",
}


@register("speech", "speech chapter: spoken-word accuracy on unseen voices (SVM, forest, boosting, CNN), "
                    "digit HMMs, CTC recogniser character/word error rate")
def speech() -> dict:
    return {name: importlib.import_module(f"{__package__}.{module}").figures() for name, module in PARTS.items()}
