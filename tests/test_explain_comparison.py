"""The comparison table of notebook 6.4 (aigc_lab/explain/comparison_recipe.py), on hand-made figures."""
import math

import pytest

from aigc_lab import runtime
from aigc_lab.explain import comparison_recipe as explain_comparison
from aigc_lab.explain import evaluate
from aigc_lab.explain.audio import audio_settings
from aigc_lab.explain.image import image_settings
from aigc_lab.explain.text import text_settings


def _row(pointing: float, correlation: float | None) -> dict:
    """A method's figures as the benchmark stores them (rounded floats, None where not measured)."""
    return {"pointing_game": pointing, "precision_at_k": pointing / 2, "random_baseline": 0.1, "deletion_auc": 0.3,
            "random_deletion_auc": 0.5, "insertion_auc": 0.8, "random_insertion_auc": 0.5,
            "randomisation_correlation": correlation, "randomised_pointing_game": None if correlation is None else 0.2,
            "randomised_precision_at_k": None if correlation is None else 0.1, "seconds": 0.01, "seed_variance": 0.0}


FIGURES = {"text": {"methods": {"saliency": _row(0.8, 0.2), "random map": _row(0.1, None)}, "test_accuracy": 1.0},
           "image": {"methods": {"saliency": _row(0.6, 0.05), "LIME": _row(1.0, 0.4)}},
           "profile": "smoke"}


def test_reports_of_rebuilds_method_reports_with_nan_for_missing_figures():
    reports = explain_comparison.reports_of(FIGURES["text"])
    assert [r.method for r in reports] == ["saliency", "random map"]
    assert all(isinstance(r, evaluate.MethodReport) and r.maps == [] for r in reports)
    assert reports[0].pointing_game == 0.8 and reports[0].randomisation_correlation == 0.2
    assert math.isnan(reports[1].randomisation_correlation) and math.isnan(reports[1].randomised_pointing_game)


def test_comparison_table_has_one_row_per_modality_and_method_in_order():
    table = explain_comparison.comparison_table(FIGURES)     # entries that are not modalities are skipped
    assert list(table.index) == [("text", "saliency"), ("text", "random map"), ("image", "saliency"), ("image", "LIME")]
    assert list(table.columns) == list(explain_comparison.COLUMNS)
    assert table.loc[("image", "LIME"), "pointing_game"] == 1.0
    assert table.loc[("text", "saliency"), "precision_at_k"] == 0.4
    assert math.isnan(table.loc[("text", "random map"), "randomisation_correlation"])


def test_comparison_table_keeps_chosen_columns_only():
    table = explain_comparison.comparison_table(FIGURES, columns=("seconds", "pointing_game"))
    assert list(table.columns) == ["seconds", "pointing_game"]
    with pytest.raises(KeyError):
        explain_comparison.comparison_table(FIGURES, columns=("no such column",))


@pytest.mark.parametrize("profile", ["smoke", "cpu"])
def test_comparison_settings_explain_no_more_than_the_modality_notebooks(monkeypatch, profile):
    monkeypatch.setenv(runtime.PROFILE_VARIABLE, profile)
    settings = explain_comparison.comparison_settings()
    assert set(settings) == set(explain_comparison.MODALITIES)
    for modality, own in (("text", text_settings()), ("image", image_settings()), ("audio", audio_settings())):
        assert settings[modality]["n_explained"] <= own["n_explained"]
        assert settings[modality]["variance_cases"] <= settings[modality]["n_explained"]
        assert set(settings[modality]["methods"]) == set(own["methods"])       # same explainer arguments
        assert set(settings[modality]) == set(own)                             # every size the figures need
