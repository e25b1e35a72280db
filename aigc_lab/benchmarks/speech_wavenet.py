"""Figures of the tiny WaveNet vocoder (part 4, notebook 04_speech/03_synthesis), trained and measured by
``aigc_lab.speech.wavenet_recipe.wavenet_demo``: log-mel in, 8 kHz wave out, sample by sample.

Figures: held-out bits per sample against 8 bits and the class entropy, log-mel distance to the engine's wave
against noise and silence, and generation speed (see the recipe's docstring).

    AIGC_LAB_PROFILE=smoke python -c "from aigc_lab.benchmarks.speech_wavenet import figures; print(figures())"
"""
from __future__ import annotations

import math

from ..speech.wavenet_recipe import wavenet_demo


def figures() -> dict:
    d = wavenet_demo()
    keep = ("word", "samples_per_second", "plain_samples_per_second", "seconds", "steps", "receptive_field", "params",
            "train_samples", "heldout_bits", "uniform_bits", "class_entropy_bits", "mel_distance_db",
            "noise_mel_distance_db", "silence_mel_distance_db")
    out = {k: round(d[k], 3) if isinstance(d[k], float) else d[k] for k in keep}
    out["final_loss_bits"] = round(d["losses"][-1] / math.log(2), 3)
    return out
