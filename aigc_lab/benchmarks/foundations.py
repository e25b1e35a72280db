"""Benchmark ``foundations``: part 1's measured figures, one entry per notebook that measures something.

workflow   notebooks/01_foundations/03_workflow: a TextCNN topic classifier trained on cleaned, messy
           reviews, then its int8, pruned and distilled versions; size, latency and accuracy of each
           (the notebook's compression table), plus macro-F1 and calibration error of the float model.

The figures are ``{part: {name: number}}``, so the README shows them as ``workflow.int8_accuracy`` and
so on.  A later part adds itself to ``PARTS``: the outlook notebook's loss-against-size fit goes in as
``"scaling": scaling_figures`` (a function returning a flat dict of numbers), with no change here.
"""
from __future__ import annotations

from typing import Callable

import torch

from .. import metrics, runtime, train
from ..bench import register
from ..data.image import shuffled_batches
from ..data.text import sentiment_sentences
from ..deploy import compression as cz
from ..deploy.preprocess import review_splits
from ..text.text_cnn import TextCNN, TextCNNConfig


def workflow_settings() -> dict:
    """The per-profile sizes the workflow notebook and this benchmark share."""
    return {
        "n_train": runtime.pick(smoke=1500, cpu=4000, gpu=4000),   # generated sentences, before cleaning
        "n_test": runtime.pick(smoke=500, cpu=1000, gpu=1000),
        "teacher": dict(embed=runtime.pick(32, 64, 64), channels=runtime.pick(64, 128, 128)),
        "student": dict(embed=16, channels=16),
        "steps": runtime.pick(smoke=100, cpu=600, gpu=1000),      # teacher and student training steps
        "lr": 1e-2,
        "batch": 64,
        "sparsity": runtime.pick(smoke=0.7, cpu=0.8, gpu=0.8),    # fraction of each weight matrix pruned
        "finetune_steps": runtime.pick(smoke=30, cpu=200, gpu=300),
        "temperature": 4.0,                                        # distillation
        "alpha": 0.7,
        "repeats": runtime.pick(smoke=10, cpu=30, gpu=30),         # latency: calls timed per measurement
        "compile": runtime.pick(smoke=False, cpu=True, gpu=True),  # also time torch.compile (slow to compile)
    }


def train_text_cnn(config: TextCNNConfig, x: torch.Tensor, y: torch.Tensor, s: dict, *, teacher=None,
                   device=None) -> TextCNN:
    """Train a TextCNN on (x, y) with ``fit``: from the labels alone, or distilled from ``teacher``."""
    runtime.seed_everything(0)
    model = TextCNN(config)
    runtime.set_threads(params=runtime.count_params(model))
    trainee = model if teacher is None else cz.Distillation(model, teacher, temperature=s["temperature"],
                                                            alpha=s["alpha"])
    train.fit(trainee, shuffled_batches(x, y, s["batch"]), steps=s["steps"], lr=s["lr"], warmup=s["steps"] // 10,
              device=device, progress=False)
    return model.cpu().eval()


def workflow_figures() -> dict:
    s = workflow_settings()
    data = review_splits(sentiment_sentences(s["n_train"], s["n_test"], seed=0))
    vocab, classes = len(data.pipeline.vocab), len(data.pipeline.classes)
    teacher = train_text_cnn(TextCNNConfig(vocab, classes, **s["teacher"]), data.x_train, data.y_train, s)

    probs = teacher.predict_proba(data.x_test)
    confidence, predicted = probs.max(dim=1)
    _, _, macro_f1 = metrics.precision_recall_f1(data.y_test, predicted, average="macro", num_classes=classes)

    pruned, masks = cz.magnitude_prune(teacher, s["sparsity"])
    runtime.seed_everything(0)
    train.fit(pruned, shuffled_batches(data.x_train, data.y_train, s["batch"]), steps=s["finetune_steps"], lr=3e-3,
              on_step_end=lambda step, m: cz.apply_masks(m, masks), progress=False)
    student_config = TextCNNConfig(vocab, classes, **s["student"])
    variants = {
        "float32": teacher,
        "int8": cz.quantize_int8(teacher),
        "torch_int8": cz.torch_dynamic_int8(teacher),
        "pruned": pruned.cpu().eval(),
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
PARTS: dict[str, Callable[[], dict]] = {"workflow": workflow_figures}


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


# The outlook notebook's parts ("scaling", "multimodal") add themselves to PARTS on import.
from . import foundations_outlook  # noqa: E402,F401
