"""Every exercise check is proven three ways: the solution passes, the untouched stub fails,
a stored plausible wrong answer fails.  And every exercise lives in exactly one notebook."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest

from aigc_lab.exercises import check, registry
from conftest import ROOT, load_module

EXERCISES = registry()
CHECK_CALL = re.compile(r"""check\(\s*["']([^"']+)["']""")


def solution_path(exercise_id: str) -> Path:
    """'01_foundations.02.a' -> solutions/01_foundations/02_*.py; '00_start_here.00.a' -> solutions/00_start_here.py."""
    part, number, _ = exercise_id.split(".")
    if (ROOT / "solutions" / f"{part}.py").exists():
        return ROOT / "solutions" / f"{part}.py"
    matches = sorted((ROOT / "solutions" / part).glob(f"{number}_*.py"))
    assert len(matches) == 1, f"expected one solutions/{part}/{number}_*.py for {exercise_id}, found {matches}"
    return matches[0]


@lru_cache(maxsize=None)
def solutions_of(path: Path):
    return load_module(path)


def _stub(kind: str):
    if kind == "value":
        return ...
    return lambda *args, **kwargs: None   # a function whose body is still `...`


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_solution_passes(exercise_id):
    letter = exercise_id.split(".")[-1]
    module = solutions_of(solution_path(exercise_id))
    solve = getattr(module, f"exercise_{letter}")
    assert solve.__doc__ and len(solve.__doc__.strip()) > 20, "each solution explains its approach in a docstring"
    verdict = check(exercise_id, solve())
    assert verdict.status == "right", verdict.message


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_stub_is_not_accepted(exercise_id):
    verdict = check(exercise_id, _stub(EXERCISES[exercise_id].kind))
    assert verdict.status == "not attempted", verdict.message


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_plausible_wrong_answer_is_rejected(exercise_id):
    letter = exercise_id.split(".")[-1]
    wrong = getattr(solutions_of(solution_path(exercise_id)), f"wrong_{letter}")()
    verdict = check(exercise_id, wrong)
    assert verdict.status == "wrong", verdict.message


def notebook_exercise_ids() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                for exercise_id in CHECK_CALL.findall(cell.source):
                    found.setdefault(exercise_id, []).append(str(path.relative_to(ROOT)))
    return found


def test_every_exercise_is_in_exactly_one_notebook_and_every_call_is_registered():
    in_notebooks = notebook_exercise_ids()
    assert set(in_notebooks) == set(EXERCISES), (
        f"registered but in no notebook: {sorted(set(EXERCISES) - set(in_notebooks))}; "
        f"called but not registered: {sorted(set(in_notebooks) - set(EXERCISES))}")
    for exercise_id, places in in_notebooks.items():
        assert len(places) == 1, f"{exercise_id} is checked in several places: {places}"
        part, number, _ = exercise_id.split(".")
        assert Path(places[0]).name.startswith(number) and part in places[0], f"{exercise_id} sits in {places[0]}"


def test_every_notebook_with_exercises_has_a_solutions_module():
    for exercise_id in notebook_exercise_ids():
        assert solution_path(exercise_id).exists()


def test_exercise_cells_are_stubs():
    """Notebooks hand learners stubs (`...`), never the answer."""
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
                assert "..." in cell.source, f"an exercise cell of {path.name} has no `...` stub:\n{cell.source}"


# Build-something exercises whose stub is a class, or a function with a body to fill (issue 20): the stub as the
# notebook hands it out, not a stand-in, must read as "not attempted".
BUILD_EXERCISES = [
    "00_start_here.00.c",
    "02_text.01.e",
    "02_text.02.d",
    "02_text.03.d",
    "02_text.04.d",
    "02_text.05.d",
    "02_text.06.d",
    "02_text.07.d",
    "04_speech.03.d",
    "04_speech.01.e",
    "04_speech.02.e",
    "03_image.04.d",
    "03_image.02.d",
    "03_image.03.d",
    "03_image.01.e",
    "03_image.05.d",
    "03_image.06.d",
    "03_image.07.d",
    "06_explainability.01.d",
    "06_explainability.03.c",
    "06_explainability.04.d",
    "06_explainability.02.d",
    "05_video.04.c",
    "05_video.05.d",
    "05_video.01.d",
    "05_video.02.d",
    "05_video.03.d",
]


@pytest.mark.parametrize("exercise_id", BUILD_EXERCISES)
def test_the_notebooks_own_stub_reads_as_not_attempted(exercise_id):
    import math

    import numpy as np
    import torch

    path = ROOT / notebook_exercise_ids()[exercise_id][0]
    cell = next(c for c in nbformat.read(path, as_version=4).cells
                if c.cell_type == "code" and f'check("{exercise_id}"' in c.source)
    verdicts = []
    namespace = {"torch": torch, "nn": torch.nn, "F": torch.nn.functional, "np": np, "math": math,
                 "check": lambda exercise, answer: verdicts.append(check(exercise, answer))}
    exec(cell.source, namespace)
    assert [v.status for v in verdicts] == ["not attempted"], verdicts


def test_check_rejects_unknown_ids():
    with pytest.raises(KeyError, match="no exercise"):
        check("99_nowhere.01.a", 1)


def test_every_solution_answers_a_current_exercise_id():
    """Worked solutions are found by ID (exercise_<letter> in the notebook's module): each must answer a current
    ID of aigc_lab/exercises/ids.txt, so that a solution never outlives its exercise under a reused ID."""
    from aigc_lab.exercises import ids

    current = ids.current()
    for path in sorted((ROOT / "solutions").rglob("*.py")):
        relative = path.relative_to(ROOT / "solutions").with_suffix("")
        part = relative.parts[0]
        number = "00" if len(relative.parts) == 1 else relative.name[:2]
        for name in dir(solutions_of(path)):
            if re.fullmatch(r"exercise_[a-z]", name):
                exercise_id = f"{part}.{number}.{name[-1]}"
                assert exercise_id in current, f"{path.relative_to(ROOT)}: {name} answers {exercise_id}, not current"
