"""Benchmark ``text``: a well-known small GPT recipe against the course's recipe, same corpus, same harness, same time.

Both recipes (``aigc_lab/text/char_lm_recipe.py``) train a character-level GPT on
Python's bundled documentation (``python_docs_text``, last 10% held out) through the one
function ``train_recipe`` for the same wall-clock budget, and both are scored on the same
held-out characters. The figures are validation loss in nats per character, parameters,
steps, milliseconds per step, tokens per second and seconds, plus the machine's load
average, since on a shared machine the times depend on it. In the smoke profile both
recipes run on a 2-layer, 64-wide stand-in, which only proves that the harness works.

A laptop is rarely idle, so the course's recipe must win there too:

    aigc-lab bench text              # idle
    aigc-lab bench text --busy 1     # beside one CPU-bound process, recorded as "text --busy 1"
"""
from __future__ import annotations

import os

from .. import runtime
from ..bench import register
from ..data.text import CharTokenizer, python_docs_text, split_ids, unigram_entropy
from ..text.char_lm_recipe import (Recipe, comparison_settings, course_recipe,  # noqa: F401 (Recipe: its old home)
                                   reference_recipe, train_recipe)


@register("text", "Part 2 text: a reference small GPT recipe against the course's, same corpus and time, nats/char")
def text_benchmark() -> dict:
    settings = comparison_settings()
    text = python_docs_text()
    tokenizer = CharTokenizer(text)
    train_ids, val_ids = split_ids(tokenizer.encode(text), 0.1)
    if settings.val_chars is not None:
        val_ids = val_ids[:settings.val_chars]
    load_before = os.getloadavg()[0]
    results = {}
    for recipe in (reference_recipe(), course_recipe()):
        results[recipe.name] = train_recipe(recipe, train_ids, val_ids, vocab_size=tokenizer.vocab_size,
                                            seconds=settings.seconds)
    return {
        "reference": results["reference"],
        "course": results["course"],
        "course_minus_reference_nats_per_char": round(
            results["course"]["val_loss_nats_per_char"] - results["reference"]["val_loss_nats_per_char"], 4),
        "unigram_entropy_nats_per_char": round(unigram_entropy(train_ids), 4),
        "budget_seconds_each": settings.seconds,
        "val_chars": len(val_ids),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],   # before and after: others' work
    }
