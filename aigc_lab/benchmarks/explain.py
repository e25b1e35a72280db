"""Benchmark ``explain``: every explanation method of part 6 on every modality, checked four ways.

For each modality (text: the sentiment TextCNN of notebook 6.1; image: the shapes
SmallCNN of notebook 6.2; audio: the spoken-command KeywordCNN of notebook 6.3)
and each method, with the same settings and functions as the notebooks
(``aigc_lab.explain.comparison_recipe``: ``text_figures``, ``image_figures``, ``audio_figures``; its
docstring lists the checks: ground truth, faithfulness, sanity, cost and stability).  Each modality's
top-level figures are the quality bars (shown in the README); ``methods`` holds every figure of every
method (in results/bench.json).

    AIGC_LAB_PROFILE=smoke aigc-lab bench explain
"""
from __future__ import annotations

from .. import runtime
from ..bench import register
from ..explain.comparison_recipe import audio_figures, image_figures, text_figures


def headline(figures: dict) -> dict:
    """The README table's row, per modality: the model's accuracy, the best method against a random map, and
    which methods still "find" the evidence on a randomised model (they were drawing the input)."""
    out = {}
    for modality in ("text", "image", "audio"):
        f = figures.get(modality)
        if f:
            out[f"{modality}: model accuracy (majority)"] = f"{f['test_accuracy']} ({f['majority_accuracy']})"
            out[f"{modality}: best method, pointing game / precision at k (random map)"] = (
                f"{f['best_method']}, {f['best_pointing_game']} / {f['best_precision_at_k']} ({f['random_baseline']})")
            out[f"{modality}: fail the randomisation check"] = ", ".join(f["fail_randomisation"]) or "none"
    return out


@register("explain", "Part 6: LIME, SHAP, integrated gradients and baselines on text, images and audio, scored against "
                     "ground truth, deletion/insertion, model randomisation, cost and seed variance", headline=headline)
def explain() -> dict:
    with runtime.Stopwatch() as text_watch:
        text = text_figures()
    with runtime.Stopwatch() as image_watch:
        image = image_figures()
    with runtime.Stopwatch() as audio_watch:
        audio = audio_figures()
    text["seconds"], image["seconds"] = round(text_watch.seconds, 1), round(image_watch.seconds, 1)
    audio["seconds"] = round(audio_watch.seconds, 1)
    return {"text": text, "image": image, "audio": audio, "profile": runtime.profile()}
