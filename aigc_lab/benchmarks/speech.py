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

from ..bench import part_seconds, register, run_parts

PARTS = {                         # figure group -> module under aigc_lab.benchmarks with a figures() function
    "classification": "speech_classification",
    "recognition": "speech_recognition",
    "synthesis": "speech_synthesis",
}


def headline(figures: dict) -> dict:
    """The README table's row: each notebook's main figures, read from the full figures."""
    words, recognition, synthesis = figures["classification"], figures["recognition"], figures["synthesis"]
    out = {
        "spoken words on unseen voices, accuracy: CNN / SVM / forest / boosting / majority": " / ".join(
            str(words[f"{model}_accuracy"])
            for model in ("cnn", "svm", "random_forest", "gradient_boosting", "majority")),
        "spoken digits, word HMMs, accuracy": recognition["hmm_digit_accuracy"],
        "CTC recogniser, character / word error rate (greedy)": (f"{recognition['ctc_cer_greedy']} / "
                                                                 f"{recognition['ctc_wer_greedy']}"),
        "text to speech, digits recognised: ours / engine": (f"{synthesis['digit_accuracy_tts']} / "
                                                             f"{synthesis['digit_accuracy_engine']}"),
        "text to speech, round-trip character error rate: ours / engine": (f"{synthesis['round_trip_cer_tts']} / "
                                                                           f"{synthesis['round_trip_cer_engine']}"),
    }
    return {**out, **part_seconds(figures)}


@register("speech", "speech chapter: spoken-word accuracy on unseen voices (SVM, forest, boosting, CNN), "
                    "digit HMMs, CTC recogniser character/word error rate, text-to-speech round trip "
                    "(digit accuracy and CER against the engine's own audio)", headline=headline)
def speech() -> dict:
    return run_parts(PARTS, __package__)
