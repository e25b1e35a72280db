"""Hand-out copies of the course, behind ``aigc-lab student OUT`` and ``aigc-lab instructor OUT``.

A **student copy** holds what a learner needs to run the course: the repository's
files (what ``git ls-files`` lists, or, outside a git checkout, every file that
``.gitignore`` does not exclude), with every notebook's outputs and execution
counts cleared (the outputs nbval checks too), and without ``solutions/`` or the
test modules that read it.

An **instructor copy** is the same files, solutions and all tests kept, with each
exercise's worked solution filled in: right below every exercise cell comes a short
note and a code cell holding the solution function from ``solutions/`` and the
check called on it, so running the notebook shows every check answering *right*.
The solution cell calls ``check(exercise_id=..., answer=...)`` with keywords, so the
course's own tests (which find exercises by ``check("<id>"``) still see each
exercise exactly once, and the instructor copy's ``make test`` passes as well.

Both refuse an ``OUT`` that exists and is not empty, or that lies inside the
course's ``notebooks/`` folder (``aigc-lab run`` and the tests would pick the copy's
notebooks up as course notebooks). The copy is written under a temporary name
beside ``OUT`` and renamed into place at the end, so a failure leaves nothing
half-written behind.
"""
from __future__ import annotations

import ast
import fnmatch
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .notebooks import ROOT, clean

NOTEBOOKS = "notebooks"
SOLUTIONS = "solutions"
KINDS = ("student", "instructor")
# How the course's notebooks call a check: check("01_foundations.02.a", answer).
CHECK_CALL = re.compile(r"""check\(\s*["']([^"']+)["']""")


@dataclass
class Handout:
    """What one run wrote, for the command's summary."""

    kind: str                                           # "student" or "instructor"
    out: Path                                           # the folder written
    files: int = 0                                      # files copied
    notebooks: int = 0                                  # notebooks cleared of outputs
    solutions_filled: list[str] = field(default_factory=list)   # exercise ids (instructor copy)
    left_out: list[str] = field(default_factory=list)   # course files deliberately not copied
    untracked: list[str] = field(default_factory=list)  # files git does not track yet (not copied)


# --------------------------------------------------------------------------- which files
def _git(root: Path, *args: str) -> list[str] | None:
    """Paths printed by ``git -C root ARGS -z``, or None when root is not the top of a git checkout."""
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, check=True).stdout.strip()
        if Path(top).resolve() != root.resolve():
            return None      # root sits inside some other repository: do not trust its file list
        listed = subprocess.run(["git", "-C", str(root), *args, "-z"],
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [p for p in listed.split("\0") if p]


def _gitignore_patterns(root: Path) -> list[str]:
    path = root / ".gitignore"
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith(("#", "!"))]


def _ignored(relative: str, is_dir: bool, patterns: list[str]) -> bool:
    """A plain reading of .gitignore: ``name``, ``*.ext``, ``dir/``, ``/anchored`` and ``a/b`` patterns.

    (Negations ``!pattern`` and nested .gitignore files are not read; the git
    file list is used whenever there is one.)
    """
    name = relative.rsplit("/", 1)[-1]
    for pattern in patterns:
        dir_only = pattern.endswith("/")
        bare = pattern.strip("/")
        if dir_only and not is_dir:
            continue
        anchored = pattern.startswith("/") or "/" in bare
        if fnmatch.fnmatch(relative if anchored else name, bare):
            return True
    return False


def _walk_files(root: Path, skip: Path | None) -> list[str]:
    """Every file under root that .gitignore does not exclude (no .git, no skip folder)."""
    patterns = _gitignore_patterns(root)
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        rel_dir = here.relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        dirs[:] = sorted(d for d in dirs if d != ".git" and (skip is None or (here / d).resolve() != skip)
                         and not _ignored(prefix + d, True, patterns))
        found += [prefix + f for f in sorted(files) if not _ignored(prefix + f, False, patterns)]
    return found


def course_files(root: Path = ROOT, *, skip: Path | None = None) -> tuple[list[str], list[str]]:
    """(files to copy, untracked files left out), as paths relative to root.

    In a git checkout the files are the tracked ones (``git ls-files``); new files
    not committed yet are reported, not copied. Elsewhere, every file .gitignore
    does not exclude.
    """
    tracked = _git(root, "ls-files")
    if tracked is None:
        return _walk_files(root, skip), []
    untracked = _git(root, "ls-files", "--others", "--exclude-standard") or []
    existing = [p for p in tracked if (root / p).is_file()]    # a tracked file may be deleted in the work tree
    return existing, untracked


def needs_solutions(path: Path) -> bool:
    """True for a test module that reads the solutions folder (it names ``"solutions"`` in its code).

    Only ``tests/test_*.py`` files count; a mention in a docstring or comment does not.
    """
    if not (path.name.startswith("test_") and path.suffix == ".py"):
        return False
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and ast.get_docstring(node, clean=False) is not None}
    return any(isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
               and (node.value == SOLUTIONS or node.value.startswith(SOLUTIONS + "/"))
               for node in ast.walk(tree))


# --------------------------------------------------------------------------- solutions into notebooks
def solutions_module_for(notebook: str) -> str:
    """notebooks/01_foundations/02_algorithms.ipynb -> solutions/01_foundations/02_algorithms.py."""
    relative = Path(notebook).relative_to(NOTEBOOKS).with_suffix(".py")
    return (Path(SOLUTIONS) / relative).as_posix()


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _names_bound(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def solution_source(module_text: str, letter: str) -> str:
    """The source of ``exercise_<letter>`` with just the imports and helpers it uses, ready for a cell."""
    tree = ast.parse(module_text)
    wanted = f"exercise_{letter}"
    target = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == wanted), None)
    if target is None:
        raise ValueError(f"the solutions module has no function {wanted}()")
    candidates = [n for n in tree.body if n is not target and _names_bound(n)
                  and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")
                  and not any(name.startswith(("exercise_", "wrong_")) for name in _names_bound(n))]
    keep, used = [target], _names_used(target)
    grew = True
    while grew:               # helpers may use further helpers or imports
        grew = False
        for node in candidates:
            if node not in keep and _names_bound(node) & used:
                keep.append(node)
                used |= _names_used(node)
                grew = True
    lines = module_text.splitlines()

    def text_of(node: ast.stmt) -> str:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return "\n".join(lines[first - 1:node.end_lineno])

    ordered = sorted(keep, key=lambda n: n.lineno)        # module order: imports, helpers, then the solution
    imports = [text_of(n) for n in ordered if isinstance(n, (ast.Import, ast.ImportFrom))]
    bodies = [text_of(n) for n in ordered if not isinstance(n, (ast.Import, ast.ImportFrom))]
    return "\n\n\n".join((["\n".join(imports)] if imports else []) + bodies)


def _cell_id(prefix: str, exercise_id: str) -> str:
    return f"{prefix}-{exercise_id}".replace(".", "-")[:64]


def fill_in_solutions(nb, notebook: str, root: Path = ROOT) -> list[str]:
    """Insert a note and a solution cell below every exercise cell of ``nb``; return the exercise ids."""
    import nbformat

    module_path = solutions_module_for(notebook)
    filled: list[str] = []
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        ids = CHECK_CALL.findall(cell.source) if cell.cell_type == "code" else []
        if ids and not (root / module_path).exists():
            raise ValueError(f"{notebook} has exercises ({', '.join(ids)}) but no solutions module {module_path}")
        for exercise_id in ids:
            letter = exercise_id.rsplit(".", 1)[-1]
            try:
                source = solution_source((root / module_path).read_text(), letter)
            except ValueError as err:
                raise ValueError(f"{module_path}: {err} (needed by {exercise_id} in {notebook})") from None
            note = nbformat.v4.new_markdown_cell(
                f"**Solution to exercise {letter}** (instructor copy, from `{module_path}`). "
                "The docstring explains the approach; running the cell shows the check's verdict on it.")
            code = nbformat.v4.new_code_cell(
                f"# Solution (instructor copy), from {module_path}\n{source}\n\n\n"
                f'check(exercise_id="{exercise_id}", answer={"exercise_" + letter}())')
            if nb.nbformat_minor >= 5:
                note["id"], code["id"] = _cell_id("solution-note", exercise_id), _cell_id("solution", exercise_id)
            else:
                note.pop("id", None)
                code.pop("id", None)
            cells += [note, code]
            filled.append(exercise_id)
    nb.cells = cells
    return filled


# --------------------------------------------------------------------------- writing a copy
def check_destination(out: str | os.PathLike, root: Path = ROOT) -> Path:
    """The resolved OUT, or a ValueError saying why it cannot be used."""
    target = Path(out).expanduser().resolve()
    notebooks = (root / NOTEBOOKS).resolve()
    if target == notebooks or notebooks in target.parents:
        raise ValueError(f"{out} is inside the course's {NOTEBOOKS}/ folder, where the copy's notebooks would be "
                         "run and tested as course notebooks; choose a folder outside it")
    if target.exists() and not target.is_dir():
        raise ValueError(f"{out} exists and is not a folder; choose a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise ValueError(f"{out} exists and is not empty; choose a new or empty folder (nothing was written)")
    return target


def write_handout(kind: str, out: str | os.PathLike, root: Path = ROOT) -> Handout:
    """Write a student or instructor copy of the course at ``root`` into the new or empty folder ``out``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    root = Path(root).resolve()
    if not (root / NOTEBOOKS).is_dir():
        raise FileNotFoundError(f"{root} has no {NOTEBOOKS}/ folder: run this from a clone of the course")
    target = check_destination(out, root)
    files, untracked = course_files(root, skip=target)
    handout = Handout(kind, target, untracked=untracked)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        for relative in files:
            source = root / relative
            if kind == "student" and (relative.split("/")[0] == SOLUTIONS or
                                      (relative.startswith("tests/") and needs_solutions(source))):
                handout.left_out.append(relative)
                continue
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if relative.endswith(".ipynb"):
                _write_notebook(source, destination, relative, kind, root, handout)
            else:
                shutil.copy2(source, destination)
            handout.files += 1
        if target.exists():
            target.rmdir()           # checked empty above
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return handout


def _write_notebook(source: Path, destination: Path, relative: str, kind: str, root: Path,
                    handout: Handout) -> None:
    import nbformat

    nb = nbformat.read(source, as_version=4)
    clean(nb, keep_checked=False)      # outputs and execution counts, checked cells' too
    if kind == "instructor" and relative.startswith(NOTEBOOKS + "/"):
        handout.solutions_filled += fill_in_solutions(nb, relative, root)
    nbformat.write(nb, destination)
    handout.notebooks += 1


def summary(handout: Handout) -> str:
    """The lines ``aigc-lab student|instructor`` prints."""
    lines = [f"{handout.kind} copy written to {handout.out}: {handout.files} files, "
             f"{handout.notebooks} notebooks with outputs cleared"]
    if handout.kind == "instructor":
        lines.append(f"solutions filled in below {len(handout.solutions_filled)} exercises")
    if handout.left_out:
        tests = [p for p in handout.left_out if p.startswith("tests/")]
        lines.append(f"left out: {SOLUTIONS}/ and {len(tests)} test module(s) that read it "
                     f"({', '.join(tests) or 'none'})")
    if handout.untracked:
        shown = ", ".join(handout.untracked[:5]) + (", ..." if len(handout.untracked) > 5 else "")
        lines.append(f"note: {len(handout.untracked)} file(s) not tracked by git were not copied "
                     f"(commit them to include them): {shown}")
    return "\n".join(lines)
