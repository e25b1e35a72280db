"""`aigc-lab student OUT` and `aigc-lab instructor OUT`: hand-outs without solutions or outputs, and an
instructor copy whose every exercise check answers right when the notebook runs."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from aigc_lab import handouts
from aigc_lab.exercises import registry
from conftest import ROOT

START_HERE = "notebooks/00_start_here.ipynb"


def aigc_lab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigc_lab.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def notebooks_in(folder: Path) -> list[Path]:
    return sorted((folder / "notebooks").rglob("*.ipynb"))


@pytest.fixture(scope="module")
def student(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("handouts") / "student"
    result = aigc_lab("student", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "student copy written" in result.stdout
    return out


@pytest.fixture(scope="module")
def instructor(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("handouts") / "instructor"
    handouts.write_handout("instructor", out)
    return out


# --------------------------------------------------------------------------- student copy
def test_student_copy_has_no_solutions(student):
    assert not (student / "solutions").exists()
    assert not (student / "tests" / "test_exercises.py").exists(), "a test that reads solutions/ was copied"
    for test in (student / "tests").glob("test_*.py"):
        assert not handouts.needs_solutions(test), f"{test.name} reads solutions/ but was copied"
    for path in notebooks_in(student):
        for cell in nbformat.read(path, as_version=4).cells:
            assert "Solution (instructor copy)" not in cell.source, f"{path.name} carries a solution cell"


def test_student_copy_has_no_outputs_not_even_checked_ones(student):
    assert notebooks_in(student), "the copy has no notebooks"
    for path in notebooks_in(student):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}:\n{cell.source[:200]}"


def test_student_copy_keeps_the_exercise_stubs(student):
    for path in notebooks_in(student):
        original = nbformat.read(ROOT / path.relative_to(student), as_version=4)
        copied = nbformat.read(path, as_version=4)
        assert [c.source for c in copied.cells] == [c.source for c in original.cells], "cell sources must not change"


def test_student_copy_holds_every_other_course_file(student):
    files, _ = handouts.course_files(ROOT)
    expected = {f for f in files if not f.startswith("solutions/")
                and not (f.startswith("tests/") and handouts.needs_solutions(ROOT / f))}
    copied = {p.relative_to(student).as_posix() for p in student.rglob("*") if p.is_file()}
    assert copied == expected
    assert (student / "Makefile").read_text() == (ROOT / "Makefile").read_text()


# --------------------------------------------------------------------------- instructor copy
def test_instructor_copy_fills_in_every_exercise_once(instructor):
    assert (instructor / "solutions").is_dir() and (instructor / "tests" / "test_exercises.py").exists()
    for path in notebooks_in(instructor):
        nb = nbformat.read(path, as_version=4)
        stubs = [i for c in nb.cells if c.cell_type == "code" for i in handouts.CHECK_CALL.findall(c.source)]
        solved = [c for c in nb.cells if c.cell_type == "code" and "Solution (instructor copy)" in c.source]
        assert len(solved) == len(stubs), f"{path.name}: {len(stubs)} exercises, {len(solved)} solutions"
        assert len(stubs) == len(set(stubs)), "the course's tests find each exercise exactly once"
        for before, cell in zip(nb.cells, nb.cells[1:]):
            if cell in solved:
                assert before.cell_type == "markdown", "every solution cell has prose before it"
        assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_instructor_copy_runs_and_every_check_says_right(instructor, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("AIGC_LAB_PROFILE", "smoke")
    path = instructor / START_HERE
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    exercise_ids = [i for i in registry() if i.startswith("00_start_here.")]
    assert exercise_ids
    outputs = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)
            outputs[cell.source] = text
    for exercise_id in exercise_ids:
        solution = next(s for s in outputs if f'check(exercise_id="{exercise_id}"' in s)
        assert f"{exercise_id}: right" in outputs[solution], outputs[solution]
        stub = next(s for s in outputs if f'check("{exercise_id}"' in s)
        assert "not attempted" in outputs[stub], "the learner's stub is still there, unsolved"


def test_solution_source_takes_only_what_the_solution_uses():
    module = (
        '"""Doc."""\nfrom __future__ import annotations\n\nimport math\nimport os\n\nSCALE = 2\n\n\n'
        'def _helper(x):\n    return SCALE * math.sqrt(x)\n\n\n'
        'def exercise_a():\n    """Uses the helper."""\n    return _helper\n\n\n'
        'def wrong_a():\n    return os.getcwd\n')
    source = handouts.solution_source(module, "a")
    compile(source, "<cell>", "exec")
    assert "import math" in source and "SCALE = 2" in source and "def _helper" in source
    assert "import os" not in source and "wrong_a" not in source and "__future__" not in source
    with pytest.raises(ValueError, match="exercise_b"):
        handouts.solution_source(module, "b")


# --------------------------------------------------------------------------- bad OUT fails clearly
def test_bad_out_fails_clearly(tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    result = aigc_lab("student", str(full))
    assert result.returncode == 2 and "not empty" in result.stderr, result.stderr
    assert sorted(p.name for p in full.iterdir()) == ["keep.txt"], "nothing was written into it"

    # The command turns these ValueErrors into the same "error: ..." line and exit code 2.
    inside = ROOT / "notebooks" / "handout_test_copy"
    with pytest.raises(ValueError, match="inside the course's notebooks/ folder"):
        handouts.write_handout("instructor", inside)
    assert not inside.exists()
    with pytest.raises(ValueError, match="inside the course's notebooks/ folder"):
        handouts.write_handout("student", ROOT / "notebooks")

    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    with pytest.raises(ValueError, match="not a folder"):
        handouts.write_handout("student", a_file)
    with pytest.raises(ValueError, match="kind must be"):
        handouts.write_handout("teacher", tmp_path / "new")


def test_empty_out_is_accepted(tmp_path):
    handouts.write_handout("student", tmp_path)     # pytest made it, empty
    assert (tmp_path / START_HERE).exists()


# --------------------------------------------------------------------------- outside a git checkout
def _fake_course(root: Path, *, with_solutions: bool = True) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Fake"),
        nbformat.v4.new_code_cell('answer = ...  # your code here\n\ncheck("00_fake.00.a", answer)',
                                  outputs=[nbformat.v4.new_output("stream", text="not attempted")],
                                  execution_count=3)])
    files = {
        ".gitignore": "build/\n*.pyc\n/local_only/\n",
        "README.md": "fake",
        "aigc_lab/__init__.py": "",
        "aigc_lab/__pycache__/x.pyc": "",
        "build/site.html": "",
        "local_only/notes.txt": "",
        "tests/conftest.py": '"""Loads solutions/ modules."""\n',
        "tests/test_plain.py": "def test_x():\n    '''Not about solutions.'''\n",
        "tests/test_reads.py": 'from pathlib import Path\nPATH = Path("solutions") / "x.py"\n',
    }
    if with_solutions:
        files["solutions/00_fake.py"] = ('def exercise_a():\n    """Forty-two, the answer."""\n    return 42\n\n\n'
                                         'def wrong_a():\n    return 41\n')
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "notebooks").mkdir()
    nbformat.write(nb, root / "notebooks" / "00_fake.ipynb")


def test_outside_git_the_copy_follows_gitignore(tmp_path):
    _fake_course(tmp_path / "course")
    handout = handouts.write_handout("student", tmp_path / "out", root=tmp_path / "course")
    copied = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert copied == [".gitignore", "README.md", "aigc_lab/__init__.py", "notebooks/00_fake.ipynb",
                      "tests/conftest.py", "tests/test_plain.py"]
    assert sorted(handout.left_out) == ["solutions/00_fake.py", "tests/test_reads.py"]
    cell = nbformat.read(tmp_path / "out" / "notebooks" / "00_fake.ipynb", as_version=4).cells[1]
    assert cell.outputs == [] and cell.execution_count is None

    handout = handouts.write_handout("instructor", tmp_path / "teach", root=tmp_path / "course")
    assert handout.solutions_filled == ["00_fake.00.a"]
    cells = nbformat.read(tmp_path / "teach" / "notebooks" / "00_fake.ipynb", as_version=4).cells
    assert 'check(exercise_id="00_fake.00.a", answer=exercise_a())' in cells[-1].source


def test_a_failed_copy_leaves_nothing_behind(tmp_path):
    _fake_course(tmp_path / "course", with_solutions=False)
    with pytest.raises(ValueError, match="no solutions module solutions/00_fake.py"):
        handouts.write_handout("instructor", tmp_path / "out", root=tmp_path / "course")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course"], "no half-written copy or staging folder"


def test_parser_lists_the_handout_commands():
    from aigc_lab import cli

    text = cli.build_parser().format_help()
    assert "student" in text and "instructor" in text
