"""The recipe of notebooks/01_foundations/01_concepts: the sizes of its three first models, per profile.

An MLP and a CNN classify 16 x 16 digits (``image.classify.train_classifier``); a character GPT learns
Python's docs (``text.char_lm.train_char_lm``).  Part 1 spans the modalities, so its recipes that are not
one model's sit at the package's top level, like ``faq.py``.  The notebook and the ``concepts`` benchmark
both use these settings.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import runtime
from .settings import Settings
from .text.gpt import GPTConfig


@dataclass
class ConceptSettings(Settings):
    classifier_steps: int        # optimiser steps for the MLP and for the CNN
    gpt: GPTConfig               # the character GPT (vocab_size filled in from the text)
    gpt_steps: int               # the cosine schedule's length
    gpt_seconds: float           # wall-clock limit on the GPT's training
    gpt_batch: int


def concept_settings() -> ConceptSettings:
    """The per-profile sizes the notebook and the benchmark share."""
    return ConceptSettings(
        classifier_steps=runtime.pick(smoke=150, cpu=1500, gpu=3000),
        gpt=GPTConfig(vocab_size=0, block_size=runtime.pick(32, 64, 128), n_layer=runtime.pick(2, 4, 6),
                      n_head=4, n_embd=runtime.pick(64, 128, 256)),
        gpt_steps=runtime.pick(smoke=150, cpu=900, gpu=3000),   # cpu: what gpt_seconds allows, so the schedule ends
        gpt_seconds=runtime.pick(smoke=12, cpu=150, gpu=60),
        gpt_batch=runtime.pick(16, 32, 64),
    )
