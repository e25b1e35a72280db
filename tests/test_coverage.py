"""docs/coverage.toml: every topic the source document names is taught (notebook, package symbol, test),
prose-only with a reason, or planned in an open chapter issue whose notebook has not landed yet.
Also checks docs/glossary.md's notebook references."""
from __future__ import annotations

import glob
import importlib
import re
import tomllib
from pathlib import Path

import nbformat
import pytest

from aigc_lab.handouts import needs_solutions
from conftest import ROOT

MANIFEST = ROOT / "docs" / "coverage.toml"
GLOSSARY = ROOT / "docs" / "glossary.md"
SEED = ROOT.parent / "shared" / "seed"      # the source document, where it sits beside the repository
STATUSES = ("taught", "prose-only", "planned")
# The open chapter issues and the notebook folder each one writes.
CHAPTER_OF_ISSUE = {3: "notebooks/02_text", 4: "notebooks/03_image", 5: "notebooks/04_speech",
                    6: "notebooks/05_video", 7: "notebooks/06_explainability", 8: "notebooks/01_foundations"}
CHINESE_PART = {"二": "2", "三": "3", "四": "4"}

manifest = tomllib.loads(MANIFEST.read_text())
TOPICS = manifest["topic"]


def topic_id(topic: dict) -> str:
    return f"{topic.get('term')}@{','.join(topic.get('sections', []))}"


def resolve(dotted: str):
    """Import the longest module prefix of a dotted path, then follow attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name and module_name.startswith(err.name) and err.name != "aigc_lab":
                continue          # this prefix is not a module; try a shorter one
            raise
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


def notebook_text(path: Path) -> str:
    return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)


def check_taught(topic: dict) -> None:
    notebook, symbol, test = topic.get("notebook"), topic.get("symbol"), topic.get("test")
    assert notebook and symbol and test, "a taught topic names its notebook, symbol and test"
    assert notebook.endswith(".ipynb") and (ROOT / notebook).is_file(), f"no notebook {notebook}"
    assert symbol.startswith("aigc_lab"), f"{symbol} is not in the course's package"
    resolve(symbol)
    assert symbol.rsplit(".", 1)[-1] in notebook_text(ROOT / notebook), f"{notebook} never mentions {symbol}"
    file, _, function = test.partition("::")
    assert (ROOT / file).is_file(), f"no test file {file}"
    if file.endswith(".ipynb"):
        assert "NBVAL_CHECK_OUTPUT" in notebook_text(ROOT / file), f"{file} has no cell that nbval checks"
    else:
        assert file.startswith("tests/test_") and file.endswith(".py"), f"{test} is not a test module"
        assert not needs_solutions(ROOT / file), f"{file} is left out of student copies; map a test that stays"
        if function:
            assert re.search(rf"^def {re.escape(function)}\(", (ROOT / file).read_text(), re.M), \
                f"{file} has no test function {function}"


def check_planned(topic: dict) -> None:
    issue, notebook = topic.get("issue"), topic.get("notebook")
    assert issue in CHAPTER_OF_ISSUE, f"planned needs the number of an open chapter issue {sorted(CHAPTER_OF_ISSUE)}"
    assert notebook and notebook.startswith(CHAPTER_OF_ISSUE[issue] + "/"), \
        f"issue {issue} writes {CHAPTER_OF_ISSUE[issue]}/, not {notebook}"
    landed = sorted(glob.glob(str(ROOT / notebook)))
    assert not landed, (f"marked planned (issue {issue}) but {[str(Path(p).relative_to(ROOT)) for p in landed]} "
                        "exists: set status = \"taught\" with its notebook, symbol and test")


@pytest.mark.parametrize("topic", TOPICS, ids=topic_id)
def test_every_topic_is_taught_prose_only_or_planned(topic):
    assert topic.get("term") and topic.get("english"), "each topic has the source's term and an English name"
    assert topic.get("sections") and set(topic["sections"]) <= set(manifest["sections"]), topic.get("sections")
    status = topic.get("status")
    assert status in STATUSES, f"status must be one of {STATUSES}, not {status!r}"
    if status == "taught":
        check_taught(topic)
    elif status == "prose-only":
        assert len(topic.get("reason", "").strip()) >= 30, "prose-only needs a reason (a sentence)"
        assert not {"notebook", "symbol", "test", "issue"} & set(topic), "prose-only names no notebook or issue"
    else:
        check_planned(topic)


def test_each_term_appears_once_per_section():
    seen: dict[tuple[str, str], int] = {}
    for topic in TOPICS:
        for section in topic["sections"]:
            key = (topic["term"], section)
            seen[key] = seen.get(key, 0) + 1
    assert not [k for k, n in seen.items() if n > 1], "a term is listed twice for the same section"


def test_manifest_says_where_the_source_breaks_off():
    note = manifest["source_note"]
    assert "breaks off" in note and "四" in note and "no" in note and "video part" in note


def test_the_checks_catch_bad_entries(tmp_path):
    with pytest.raises(AssertionError, match="status must be"):
        test_every_topic_is_taught_prose_only_or_planned({"term": "x", "english": "x", "sections": ["1.1"]})
    with pytest.raises(AssertionError, match="no notebook"):
        check_taught({"notebook": "notebooks/nowhere.ipynb", "symbol": "aigc_lab.train.fit", "test": "tests/x.py"})
    with pytest.raises((ImportError, AttributeError)):
        check_taught({"notebook": "notebooks/00_start_here.ipynb", "symbol": "aigc_lab.train.no_such_thing",
                      "test": "tests/test_train.py"})
    with pytest.raises(AssertionError, match="no test function"):
        check_taught({"notebook": "notebooks/00_start_here.ipynb", "symbol": "aigc_lab.train.fit",
                      "test": "tests/test_train.py::test_that_does_not_exist"})
    with pytest.raises(AssertionError, match="exists"):
        check_planned({"issue": 8, "notebook": "notebooks/01_foundations/01_*.ipynb"})
    with pytest.raises(AssertionError, match="writes"):
        check_planned({"issue": 3, "notebook": "notebooks/03_image/01_*.ipynb"})


# --------------------------------------------------------------------------- against the source itself
def source_names() -> dict[str, list[str]]:
    """{section: names} from the source's bullet lists: each bullet's head and the names after 主要包括."""
    text = "\n".join(p.read_text() for p in sorted(SEED.glob("*.txt")))
    names: dict[str, list[str]] = {}
    section = None
    for line in text.splitlines():
        if m := re.match(r"^## (1\.\d)", line):
            section = m.group(1)
        elif m := re.match(r"^# ([二三四])、", line):
            section = CHINESE_PART[m.group(1)]
        elif (m := re.match(r"^- ([^：]+)：(.*)", line)) and section:
            head, rest = m.groups()
            listed = re.search(r"主要包括(.+?)等", rest)
            for name in [head] + (listed.group(1).split("、") if listed else []):
                names.setdefault(section, [])
                if normalise(name) not in names[section]:
                    names[section].append(normalise(name))
    return names


def normalise(name: str) -> str:
    """'使用 federated learning' -> 'federated learning'; '卷积神经网络（CNN）' -> '卷积神经网络'."""
    name = re.sub(r"（[^）]*）$", "", name.strip())
    return re.sub(r"^使用\s*", "", name).strip()


@pytest.mark.skipif(not SEED.is_dir(), reason="the source document is not beside this repository (../shared/seed)")
def test_every_name_in_the_source_lists_is_covered():
    covered = {(normalise(n), s) for t in TOPICS for s in t["sections"] for n in [t["term"], *t.get("names", [])]}
    names = source_names()
    assert set(names) == set(manifest["sections"]), "the source's sections changed"
    missing = [f"{s}: {n}" for s, listed in names.items() for n in listed if (n, s) not in covered]
    assert not missing, f"names the source lists but docs/coverage.toml does not: {missing}"


# --------------------------------------------------------------------------- the glossary
def test_glossary_points_at_notebooks_that_exist_or_planned_chapters():
    text = GLOSSARY.read_text()
    chapters = {Path(c).name for c in CHAPTER_OF_ISSUE.values()} | {"00_start_here"}
    referenced = set(re.findall(r"`((?:0\d_[a-z_]+/)?0\d_[a-z_]+)`", text))
    assert referenced, "the glossary names the notebooks that teach each term"
    for ref in referenced:
        if (ROOT / "notebooks" / f"{ref}.ipynb").is_file():
            continue
        assert ref in chapters, f"glossary names `{ref}`: neither a notebook nor a chapter folder"


def test_glossary_covers_the_terms_of_the_landed_notebooks():
    text = GLOSSARY.read_text()
    for topic in TOPICS:
        if topic["status"] == "taught":
            assert topic["term"] in text, f"the glossary lacks {topic['term']} ({topic['english']})"
