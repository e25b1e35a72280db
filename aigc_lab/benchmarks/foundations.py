"""Benchmark ``foundations``: part 1's measured figures, one entry per notebook that measures something.

workflow   notebooks/01_foundations/03_workflow: a TextCNN topic classifier trained on cleaned, messy
           reviews, then its int8, pruned and distilled versions; size, latency and accuracy of each
           (the notebook's compression table), plus macro-F1 and calibration error of the float model.

scaling, multimodal   notebooks/01_foundations/04_outlook (``foundations_outlook``).

The figures are ``{part: {name: number}}``, so the README shows them as ``workflow.int8_accuracy`` and
so on.  The recipes are the notebooks': ``deploy.compression_recipe``, ``text.scaling_recipe`` and
``multimodal.clip_recipe``.
"""
from __future__ import annotations

from typing import Callable

import torch

from .. import metrics
from ..bench import register
from ..data.text import sentiment_sentences
from ..deploy import compression as cz
from ..deploy.compression_recipe import prune_and_finetune, train_text_cnn, workflow_settings
from ..deploy.preprocess import review_splits
from ..text.text_cnn import TextCNNConfig
from .foundations_outlook import multimodal_figures, scaling_figures


def workflow_figures() -> dict:
    s = workflow_settings()
    data = review_splits(sentiment_sentences(s["n_train"], s["n_test"], seed=0))
    vocab, classes = len(data.pipeline.vocab), len(data.pipeline.classes)
    teacher = train_text_cnn(TextCNNConfig(vocab, classes, **s["teacher"]), data.x_train, data.y_train, s)

    probs = teacher.predict_proba(data.x_test)
    confidence, predicted = probs.max(dim=1)
    _, _, macro_f1 = metrics.precision_recall_f1(data.y_test, predicted, average="macro", num_classes=classes)

    pruned = prune_and_finetune(teacher, data.x_train, data.y_train, s)
    student_config = TextCNNConfig(vocab, classes, **s["student"])
    variants = {
        "float32": teacher,
        "int8": cz.quantize_int8(teacher),
        "torch_int8": cz.torch_dynamic_int8(teacher),
        "pruned": pruned,
        "student": train_text_cnn(student_config, data.x_train, data.y_train, s, teacher=teacher),
    }
    rows = {r["model"]: r for r in cz.compare(variants, data.x_test, data.y_test, repeats=s["repeats"])}
    figures = {
        "test_sentences": len(data.y_test),
        "majority_accuracy": round(metrics.majority_baseline(data.y_train, data.y_test), 4),
        "float32_macro_f1": round(macro_f1, 4),
        "float32_ece": round(metrics.expected_calibration_error(confidence, predicted == data.y_test), 4),
        "pruned_sparsity": round(cz.sparsity(pruned), 4),
    }
    for name, r in rows.items():
        figures[f"{name}_accuracy"] = round(r["accuracy"], 4)
        figures[f"{name}_kb"] = round(r["bytes"] / 1000, 1)
        figures[f"{name}_zip_kb"] = round(r["zlib_bytes"] / 1000, 1)
        figures[f"{name}_ms_per_batch"] = round(r["ms_batch"], 3)
    if s["compile"]:
        try:
            compiled = torch.compile(teacher)
            figures["float32_compiled_ms_per_batch"] = round(cz.latency_ms(compiled, data.x_test[:256],
                                                                           repeats=s["repeats"]), 3)
        except Exception as err:  # noqa: BLE001 -- no compiler here: record why instead of failing the benchmark
            figures["float32_compiled_ms_per_batch"] = f"unavailable ({type(err).__name__})"
    return figures


# Each part of the chapter's benchmark: name -> function returning a flat dict of JSON-able numbers.
PARTS: dict[str, Callable[[], dict]] = {"workflow": workflow_figures, "scaling": scaling_figures,
                                        "multimodal": multimodal_figures}


def headline(figures: dict) -> dict:
    """The README table's row: the compression table in one line per variant, the scaling fit, retrieval."""
    w = figures["workflow"]
    out = {f"{name}: accuracy, kB zipped, ms per batch": (f"{w[f'{name}_accuracy']}, {w[f'{name}_zip_kb']}, "
                                                          f"{w[f'{name}_ms_per_batch']}")
           for name in ("float32", "int8", "torch_int8", "pruned", "student") if f"{name}_accuracy" in w}
    if "scaling" in figures:
        sc = figures["scaling"]
        out["scaling fit: loss = a N^-b + c"] = f"a {sc['fit_a']}, b {sc['fit_exponent_b']}, c {sc['fit_floor_c']}"
        out["scaling check beyond the fitted sizes: size ratio, predicted / measured loss"] = (
            f"{sc['check_size_ratio']}x, {sc['check_predicted_loss']} / {sc['check_measured_loss']}")
    if "multimodal" in figures:
        mm = figures["multimodal"]
        out["shapes CLIP retrieval top-1, text to image (chance)"] = (f"{mm['text_to_image_top1']} "
                                                                     f"({mm['retrieval_chance']})")
    return out


@register("foundations", "Part 1 foundations: the workflow's compression table (float32, int8, pruned, distilled "
                         "TextCNN on cleaned reviews: size, latency, accuracy)", headline=headline)
def foundations() -> dict:
    return {name: part() for name, part in PARTS.items()}
