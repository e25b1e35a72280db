"""The comparison part of the ``explain`` benchmark (notebooks/06_explainability/04_comparison).

Every explanation method of part 6 on every modality, in one table: the evaluations of
notebooks 6.1 (text), 6.2 (images) and 6.3 (audio), run by the same functions as the
benchmark ``explain`` (``text_figures``, ``image_figures``, ``audio_figures``), at sizes
small enough for all three to fit in one notebook (``comparison_settings``: fewer
explained examples and fewer LIME / SHAP samples; the models are trained as in
6.1 to 6.3, except audio's in the smoke profile, which trains for half of 6.3's steps).

    figures = figures()                          # {"text": {...}, "image": {...}, "audio": {...}, ...}
    table = comparison_table(figures)            # rows (modality, method), one column per check

The lead's ``explain`` benchmark may call ``figures()``; this module registers nothing itself.
"""
from __future__ import annotations

import math
import time

from .. import runtime
from ..explain import evaluate
from ..explain.audio import audio_settings
from ..explain.image import image_settings
from ..explain.text import text_settings
from .explain import audio_figures, image_figures, text_figures

MODALITIES = ("text", "image", "audio")
# the columns of notebook 6.4's table, in the issue's order: ground truth, faithfulness, sanity, cost, stability
COLUMNS = ("pointing_game", "precision_at_k", "random_baseline", "deletion_auc", "random_deletion_auc",
           "insertion_auc", "random_insertion_auc", "randomisation_correlation", "randomised_pointing_game",
           "seconds", "seed_variance")


def _smaller(settings: dict, *, methods: dict, **sizes) -> dict:
    """A modality's settings with some sizes replaced (``methods``: the explainers' own sizes)."""
    return {**settings, **sizes, "methods": {**settings["methods"], **methods}}


def comparison_settings() -> dict:
    """Per-profile sizes of notebook 6.4: each modality's settings of 6.1 to 6.3, explaining fewer examples with
    fewer samples, so that the three evaluations together take about as long as one of those notebooks."""
    pick = runtime.pick
    text = _smaller(text_settings(), n_explained=pick(smoke=8, cpu=40, gpu=60),
                    variance_cases=pick(smoke=2, cpu=6, gpu=10),
                    methods=dict(ig_steps=pick(smoke=8, cpu=32, gpu=64), lime_samples=pick(smoke=100, cpu=300, gpu=500),
                                 shap_evals=pick(smoke=60, cpu=200, gpu=300)))
    image = _smaller(image_settings(), n_explained=pick(smoke=4, cpu=30, gpu=60),
                     variance_cases=pick(smoke=2, cpu=5, gpu=8), curve_steps=pick(smoke=16, cpu=32, gpu=32),
                     methods=dict(ig_steps=pick(smoke=8, cpu=32, gpu=64), lime_samples=pick(smoke=60, cpu=300, gpu=400),
                                  shap_samples=pick(smoke=16, cpu=64, gpu=100)))
    audio = _smaller(audio_settings(), n_explained=pick(smoke=4, cpu=24, gpu=60),
                     steps=pick(smoke=60, cpu=600, gpu=2000),          # smoke: half of 6.3's training, its largest cost
                     variance_cases=pick(smoke=2, cpu=4, gpu=8), curve_steps=pick(smoke=16, cpu=32, gpu=32),
                     methods=dict(ig_steps=pick(smoke=8, cpu=32, gpu=64), lime_samples=pick(smoke=60, cpu=200, gpu=400),
                                  shap_samples=pick(smoke=16, cpu=64, gpu=100)))
    return {"text": text, "image": image, "audio": audio}


def reports_of(figures: dict) -> list[evaluate.MethodReport]:
    """One modality's per-method figures (``figures["methods"]``, as the benchmark stores them) as MethodReports,
    figures not measured (None: the random map's sanity check) as NaN.  Their attribution maps are not kept."""
    return [evaluate.MethodReport(method, **{k: math.nan if v is None else v for k, v in row.items()})
            for method, row in figures["methods"].items()]


def comparison_table(figures_by_modality: dict, *, columns=COLUMNS, digits: int = 3):
    """``evaluate.comparison_table`` of the modalities' figures: rows (modality, method), the given columns."""
    reports = {m: reports_of(f) for m, f in figures_by_modality.items() if m in MODALITIES}
    return evaluate.comparison_table(reports, digits=digits)[list(columns)]


def figures() -> dict:
    """The three evaluations at ``comparison_settings`` sizes, each with its seconds (wall clock).  Each holds its
    quality bars (``fail_randomisation``, ``saliency_randomisation_below_0.3`` ...) and every figure of every
    method under ``methods``."""
    settings = comparison_settings()
    out = {}
    for modality, evaluate_modality in zip(MODALITIES, (text_figures, image_figures, audio_figures)):
        started = time.perf_counter()
        out[modality] = evaluate_modality(settings[modality])
        out[modality]["seconds"] = round(time.perf_counter() - started, 1)
    out["profile"] = runtime.profile()
    return out
