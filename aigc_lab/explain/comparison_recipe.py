"""How well each explanation method works, on every modality (notebooks 6.1 to 6.4), checked four ways.

For each modality (text: the sentiment TextCNN of notebook 6.1; image: the shapes SmallCNN of notebook 6.2;
audio: the spoken-command KeywordCNN of notebook 6.3) ``text_figures``, ``image_figures`` and
``audio_figures`` train the model by its notebook's recipe (``explain.text``, ``explain.image``,
``explain.audio``), explain held-out cases with every method and a random map, and score them
(``explain.evaluate``):

- ground truth: pointing game and precision at k (k = |evidence|) beside the random
  baseline |evidence| / n, with a random map as a control method;
- faithfulness: deletion and insertion areas beside a random order;
- sanity: Spearman rank correlation between the maps of the trained and of a
  randomised model (low is good), and the randomised model's own pointing game (a
  method whose maps still find the evidence there was drawing the input);
- cost and stability: seconds per explanation, run-to-run variance across three seeds.

Text adds the shortcut probe (how often adding "sponsored" flips a negative test sentence, and how often
each method puts it first where it did); audio adds a removal check in the waveform itself.

Notebook 6.4 runs all three at smaller sizes (``comparison_settings``: fewer explained examples and fewer
LIME / SHAP samples; the models are trained as in 6.1 to 6.3, except audio's in the smoke profile, which
trains for half of 6.3's steps) and compares them in one table; the ``explain`` benchmark records the
figures at the notebooks' own sizes.

    figures = figures()                          # {"text": {...}, "image": {...}, "audio": {...}, ...}
    table = comparison_table(figures)            # rows (modality, method), one column per check
"""
from __future__ import annotations

import math
import time

import torch

from .. import runtime
from ..data.explain import evidence_sentences, spoken_evidence
from . import audio as explain_audio
from . import evaluate, sanity
from . import image as explain_image
from . import text as explain_text
from .audio import audio_settings
from .image import image_settings
from .text import text_settings


def _rounded(report: evaluate.MethodReport) -> dict:
    """A report's figures rounded, with figures not measured (NaN: the random map's sanity check) as None."""
    def clean(v):
        return None if isinstance(v, float) and math.isnan(v) else round(v, 4) if isinstance(v, float) else v
    return {k: clean(v) for k, v in report.row().items() if k != "method"}


def _summary(reports: list[evaluate.MethodReport]) -> dict:
    """The quality bars as flat figures (the README shows these; the per-method detail is in results/bench.json)."""
    named = {r.method: r for r in reports if r.method != "random map"}
    best = max(named.values(), key=lambda r: (r.precision_at_k, r.pointing_game))
    return {
        "best_method": best.method,
        "best_pointing_game": round(best.pointing_game, 4),
        "best_precision_at_k": round(best.precision_at_k, 4),
        "random_baseline": round(best.random_baseline, 4),
        "best_beats_random_by_30_points": best.pointing_game >= best.random_baseline + 0.3,
        "deletion_below_random": sorted(m for m, r in named.items() if r.deletion_auc < r.random_deletion_auc),
        "insertion_above_random": sorted(m for m, r in named.items() if r.insertion_auc > r.random_insertion_auc),
        "saliency_randomisation_correlation": round(named["saliency"].randomisation_correlation, 4),
        "saliency_randomisation_below_0.3": named["saliency"].randomisation_correlation < 0.3,
        # methods whose maps still find the evidence on the randomised model: they were drawing the input
        "fail_randomisation": sorted(m for m, r in named.items()
                                     if r.randomised_pointing_game >= r.random_baseline + 0.3),
    }


def text_figures(settings: dict | None = None) -> dict:
    """Notebook 6.1's evaluation: the sentiment classifier, six methods and a random map.

    ``settings``: sizes like ``text_settings()`` (the default); notebook 6.4 passes smaller ones."""
    s = settings or explain_text.text_settings()
    corpus = evidence_sentences(s["n_train"], s["n_test"], seed=0)
    task = explain_text.train_sentiment_classifier(corpus, steps=s["steps"])
    methods = explain_text.text_explainers(task.model, task.vocab, **s["methods"])
    random_model = sanity.randomised_copy(task.model, seed=1)
    random_methods = explain_text.text_explainers(random_model, task.vocab, **s["methods"])
    methods["random map"] = evaluate.random_attribution(feature_dims=1)
    reports = evaluate.evaluate(methods, explain_text.text_cases(task, s["n_explained"]), randomised=random_methods,
                                probabilities=explain_text.probabilities(task.model),
                                deletion_baseline=torch.zeros_like, insertion_baseline=torch.zeros_like,
                                variance_cases=s["variance_cases"])
    shortcut, flip_rate = explain_text.shortcut_cases(task, s["n_explained"])
    found = {}
    for name, explain in methods.items():
        maps, _ = evaluate.explain_cases(explain, shortcut)
        found[name] = round(evaluate.ground_truth_scores(maps, shortcut)["pointing_game"], 4) if shortcut else None
    summary = _summary(reports)
    return {
        "test_accuracy": round(task.test_accuracy, 4), "majority_accuracy": round(task.majority_accuracy, 4),
        "explained": len(reports[0].maps), **summary,
        "best_precision_at_k_at_least_0.9": summary["best_precision_at_k"] >= 0.9,
        "shortcut_flip_rate": round(flip_rate, 4), "shortcut_cases": len(shortcut),
        "shortcut_found_first": sorted(m for m, v in found.items() if v is not None and v >= 0.9),
        "shortcut_pointing_game": found,
        "methods": {r.method: _rounded(r) for r in reports},
    }


def image_figures(settings: dict | None = None) -> dict:
    """Notebook 6.2's evaluation: the shapes classifier, six methods and a random map.

    ``settings``: sizes like ``image_settings()`` (the default); notebook 6.4 passes smaller ones."""
    s = settings or explain_image.image_settings()
    task = explain_image.train_shape_classifier(s["n_train"], s["n_test"], steps=s["steps"], lr=s["lr"], size=s["size"])
    background = task.train.images[:32]
    methods = explain_image.image_explainers(task.model, background=background, **s["methods"])
    random_methods = explain_image.image_explainers(sanity.randomised_copy(task.model, seed=1), background=background,
                                                    **s["methods"])
    methods["random map"] = evaluate.random_attribution(feature_dims=2)
    reports = evaluate.evaluate(methods, explain_image.image_cases(task, s["n_explained"]), randomised=random_methods,
                                probabilities=explain_image.probabilities(task.model),
                                deletion_baseline=explain_image.mean_colour,
                                insertion_baseline=explain_image.mean_colour,
                                steps=s["curve_steps"], variance_cases=s["variance_cases"])
    summary = _summary(reports)
    return {
        "test_accuracy": round(task.result.test_accuracy, 4),
        "majority_accuracy": round(task.result.majority_accuracy, 4),
        "explained": len(reports[0].maps), **summary,
        "gradient_x_input_fails_randomisation": "gradient x input" in summary["fail_randomisation"],
        "methods": {r.method: _rounded(r) for r in reports},
    }


def audio_figures(settings: dict | None = None) -> dict:
    """Notebook 6.3's evaluation: the spoken-command classifier, six methods and a random map, plus the removal
    check in the waveform (the explained class's probability with the top-attributed frames turned down).

    ``settings``: sizes like ``audio_settings()`` (the default); notebook 6.4 passes smaller ones."""
    s = settings or explain_audio.audio_settings()
    data = spoken_evidence(train_speakers=s["train_speakers"], test_speakers=s["test_speakers"], partners=s["partners"])
    task = explain_audio.train_command_classifier(data, steps=s["steps"], lr=s["lr"])
    background = task.train_features[:32]
    methods = explain_audio.audio_explainers(task.model, background=background, **s["methods"])
    random_methods = explain_audio.audio_explainers(sanity.randomised_copy(task.model, seed=1), background=background,
                                                    **s["methods"])
    methods["random map"] = evaluate.random_attribution(feature_dims=2)
    cases = explain_audio.audio_cases(task, s["n_explained"])
    reports = evaluate.evaluate(methods, cases, randomised=random_methods,
                                probabilities=explain_audio.probabilities(task.model),
                                deletion_baseline=explain_audio.background_level,
                                insertion_baseline=explain_audio.background_level,
                                steps=s["curve_steps"], variance_cases=s["variance_cases"])
    ig = next(r for r in reports if r.method == "integrated gradients")
    removal = explain_audio.removal_check(task, ig.maps, cases)
    return {
        "test_accuracy": round(task.test_accuracy, 4), "majority_accuracy": round(task.majority_accuracy, 4),
        "train_clips": len(data.train), "test_clips": len(data.test),
        "explained": len(cases), **_summary(reports),
        "ig_removal_probability": {k: round(v, 4) for k, v in removal.items()},
        "methods": {r.method: _rounded(r) for r in reports},
    }


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
