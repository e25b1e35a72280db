"""The speech chapter's benchmark: one entry that runs every notebook's measured figures.

Each part lives beside the notebook it measures and is sized by the profile:
classification of spoken words on unseen voices (04_speech/01: classical models on
MFCC statistics and a CNN), recognition (04_speech/02: word HMMs, and a conv +
BiGRU recogniser trained with CTC, scored by character and word error rate) and
synthesis (04_speech/03: FastSpeech + Griffin-Lim, judged by the CNN on spoken digits
and by the CTC recogniser on held-out phrases, each against the engine's own audio).
All audio is synthesised offline by eSpeak NG (``aigc_lab.data.speech``).
"""
from __future__ import annotations

import importlib

from ..bench import register

PARTS = {                         # figure group -> module under aigc_lab.benchmarks with a figures() function
    "classification": "speech_classification",
    "recognition": "speech_recognition",
    "synthesis": "speech_synthesis",
}


@register("speech", "speech chapter: spoken-word accuracy on unseen voices (SVM, forest, boosting, CNN), "
                    "digit HMMs, CTC recogniser character/word error rate, text-to-speech round trip "
                    "(digit accuracy and CER against the engine's own audio)")
def speech() -> dict:
    return {name: importlib.import_module(f"{__package__}.{module}").figures() for name, module in PARTS.items()}
