"""Exercise IDs are never renamed or reused (issue 19): an instructor's handed-out student copies keep working.

aigc_lab/exercises/ids.txt lists every ID ever published. Every registered check and every check() call in a
notebook or document uses a current ID from it; no listed ID ever disappears from it (compared with the file's
own git history); a moved ID points at a current exercise of the same kind and check() still answers it; a
retired or moved ID is never registered again."""
from __future__ import annotations

import re
import subprocess

import nbformat
import pytest

from aigc_lab import exercises
from aigc_lab.exercises import check, ids, registry
from conftest import ROOT

RELATIVE = ids.PATH.relative_to(ROOT).as_posix()
CHECK_CALL = re.compile(r"""check\(\s*(?:exercise_id\s*=\s*)?["']([^"']+)["']""")
ID_IN_TEXT = re.compile(r"`(\d\d_[a-z_]+\.\d\d\.[a-z])`")


def notebook_calls() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                for exercise_id in CHECK_CALL.findall(cell.source):
                    found.setdefault(exercise_id, []).append(str(path.relative_to(ROOT)))
    return found


def test_the_file_parses_and_names_each_id_once():
    published = ids.published()
    assert published and all(e.status in ids.STATUSES for e in published.values())
    with pytest.raises(ValueError, match="listed twice"):
        ids.parse("a.01.a function\na.01.a value\n")
    with pytest.raises(ValueError, match="expected"):
        ids.parse("a.01.a function renamed b.01.a\n")
    with pytest.raises(ValueError, match="kind"):
        ids.parse("a.01.a text\n")


def test_every_registered_exercise_is_listed_as_current_with_its_kind():
    current = ids.current()
    for exercise_id, ex in registry().items():
        assert exercise_id in current, (f"{exercise_id} is registered but not listed as current in {RELATIVE}: "
                                        "add it (a new ID), never rename an old one")
        assert current[exercise_id] == ex.kind, f"{exercise_id} changed kind: publish a new ID instead"


def test_no_listed_id_disappears_without_a_move_or_retirement():
    registered = registry()
    gone = sorted(set(ids.current()) - set(registered))
    assert not gone, (f"listed as current in {RELATIVE} but no longer registered: {gone}; keep the exercise, or "
                      "mark its line `moved NEW_ID` or `retired`")


def test_moved_and_retired_ids_are_never_reused():
    registered = registry()
    for entry in ids.published().values():
        if entry.status != "current":
            assert entry.id not in registered, f"{entry.id} is {entry.status} and may not be registered again"
        if entry.status == "moved":
            target = ids.resolve(entry.id)
            assert target in ids.current(), f"{entry.id} moved to {target}, which is not a current exercise"
            assert ids.current()[target] == entry.kind, f"{entry.id} moved to {target}, an exercise of another kind"


def test_notebooks_and_documents_call_only_current_ids():
    current = ids.current()
    stale = {i: where for i, where in notebook_calls().items() if i not in current}
    assert not stale, f"notebooks call IDs that are not current in {RELATIVE}: {stale}"
    for document in ("README.md", "docs/instructors.md"):
        for exercise_id in ID_IN_TEXT.findall((ROOT / document).read_text()):
            assert exercise_id in current, f"{document} names {exercise_id}, not a current exercise"


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=60)


def test_the_file_only_grows_over_its_git_history():
    log = _git("log", "--format=%H", "--", RELATIVE)
    if log.returncode != 0:
        pytest.skip("not a git checkout (a hand-out copy, say): nothing to compare the file with")
    now = ids.published()
    for commit in log.stdout.split():
        shown = _git("show", f"{commit}:{RELATIVE}")
        if shown.returncode != 0:          # the commit deleted or renamed the file
            pytest.fail(f"{RELATIVE} was removed in {commit[:7]}; the published IDs must stay listed")
        for exercise_id, before in ids.parse(shown.stdout, f"{RELATIVE} at {commit[:7]}").items():
            assert exercise_id in now, f"{exercise_id} was published (in {commit[:7]}) and is no longer listed"
            after = now[exercise_id]
            assert after.kind == before.kind, f"{exercise_id} changed kind since {commit[:7]}"
            if before.status != "current":
                assert after == before, f"{exercise_id} was {before.status} in {commit[:7]}; that is final"


@pytest.fixture
def ids_file(tmp_path, monkeypatch):
    """Point the checker at a test copy of ids.txt with a moved and a retired exercise."""
    path = tmp_path / "ids.txt"
    path.write_text(ids.PATH.read_text() + "\n00_start_here.00.y  value  moved 00_start_here.00.x\n"
                    "00_start_here.00.x  value  moved 00_start_here.00.b\n"
                    "00_start_here.00.z  function  retired\n")
    monkeypatch.setattr(ids, "PATH", path)
    ids.published.cache_clear()
    yield
    ids.published.cache_clear()


def test_check_answers_the_old_id_of_a_moved_exercise(ids_file):
    right = check("00_start_here.00.b", 500)
    assert right.status == "right"
    for old in ("00_start_here.00.x", "00_start_here.00.y"):        # a move, and a move of a move
        verdict = check(old, 500)
        assert verdict.status == "right" and old in verdict.message
        assert check(old, ...).status == "not attempted" and check(old, 7).status == "wrong"


def test_check_says_when_an_exercise_was_retired(ids_file):
    with pytest.raises(KeyError, match="retired"):
        check("00_start_here.00.z", lambda: None)
    with pytest.raises(KeyError, match="no exercise"):
        check("00_start_here.00.q", 1)


def test_a_circle_of_moves_is_reported(tmp_path, monkeypatch):
    path = tmp_path / "ids.txt"
    path.write_text("a.01.a value moved a.01.b\na.01.b value moved a.01.a\n")
    monkeypatch.setattr(ids, "PATH", path)
    ids.published.cache_clear()
    try:
        with pytest.raises(ValueError, match="circle"):
            ids.resolve("a.01.a")
    finally:
        ids.published.cache_clear()


def test_the_checker_and_the_package_ship_the_file():
    assert exercises.ids is ids and ids.PATH.exists()
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "ids.txt" in data["aigc_lab.exercises"], "a wheel must carry ids.txt"
