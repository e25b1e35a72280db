"""The course's front door (issue 19): a short README that is a learning path, documents split by reader and
linked from it, licences, a citation file, a changelog for the version in pyproject.toml, and every measured
number generated from the results files (with "not yet measured" where a profile has no record)."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest

from aigc_lab import report
from conftest import ROOT

README = (ROOT / "README.md").read_text()
README_MAX_LINES = 250
LINKED = ["CONTRIBUTING.md", "docs/instructors.md", "LICENSE", "LICENSE-CONTENT", "CITATION.cff", "CHANGELOG.md",
          "results/BENCHMARKS.md", "docs/glossary.md", ".github/workflows/notebooks.yml",
          ".github/workflows/site.yml"]
PARTS = ["0 Start here", "1 Foundations", "2 Text", "3 Image", "4 Speech", "5 Video", "6 Explainability"]


def markdown_links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)


# --------------------------------------------------------------------------- the README
def test_readme_is_short():
    lines = len(README.splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; the learning path fits in {README_MAX_LINES}"


def test_readme_is_a_learning_path():
    for heading in ("## What you will build", "## Before you start", "## Set up: two commands",
                    "## How long it takes", "## Two paths through the course", "## Tested where"):
        assert heading in README, f"README.md lacks the section {heading!r}"
    build = README.split("## What you will build", 1)[1].split("\n## ", 1)[0]
    for part in PARTS:
        assert re.search(rf"^\| {part} \| \S", build, re.M), f"one line on what part {part!r} builds"
    assert "<!-- GALLERY" in README, "the marked place for the picture gallery"
    prerequisites = README.split("## Before you start", 1)[1].split("\n## ", 1)[0]
    assert all(word in prerequisites for word in ("Python", "linear algebra", "calculus", "No GPU needed"))
    paths = README.split("## Two paths through the course", 1)[1].split("\n## ", 1)[0]
    assert "full course" in paths and "one-day workshop" in paths and "<!-- BEGIN workshop -->" in paths


def test_readme_links_every_document_and_each_link_resolves():
    links = markdown_links(README)
    for target in LINKED:
        assert target in links, f"README.md does not link {target}"
    for document in ("README.md", "CONTRIBUTING.md", "docs/instructors.md", "results/BENCHMARKS.md",
                     "CHANGELOG.md"):
        path = ROOT / document
        for link in markdown_links(path.read_text()):
            if not link.startswith(("http://", "https://", "mailto:")):
                assert (path.parent / link).exists(), f"{document} links {link}, which does not exist"


def test_readme_says_what_each_platform_installs_and_where_it_is_tested():
    install = README.split("## Set up: two commands", 1)[1].split("\n## ", 1)[0]
    assert "make lab TORCH=cpu" in install and "https://download.pytorch.org/whl/cpu" in install
    for platform in ("Linux", "macOS", "Windows"):
        assert re.search(rf"^\| {platform} \|", install, re.M), f"what {platform} installs by default"
    assert re.search(r"^\| Linux \| the CUDA build", install, re.M)
    assert re.search(r"^\| macOS \| the CPU build", install, re.M) and re.search(r"^\| Windows \| the CPU build",
                                                                                 install, re.M)
    tested = README.split("## Tested where", 1)[1].split("\n## ", 1)[0]
    assert "make test" in tested and "macOS and Windows" in tested and "00_start_here" in tested


def test_readme_says_where_the_site_will_live():
    assert re.search(r"https://<owner>\.github\.io/<repository>/", README)
    assert "placeholder" in README


def test_the_benchmark_tables_live_in_benchmarks_md_and_the_readme_keeps_headlines():
    assert "<!-- BEGIN bench -->" not in README and "<!-- BEGIN runtimes -->" not in README
    benchmarks = (ROOT / "results" / "BENCHMARKS.md").read_text()
    assert "<!-- BEGIN bench -->" in benchmarks and "<!-- BEGIN runtimes -->" in benchmarks
    assert "<!-- BEGIN headlines -->" in README and "<!-- BEGIN parts -->" in README


def test_material_is_split_by_reader():
    instructors = (ROOT / "docs" / "instructors.md").read_text()
    for topic in ("aigc-lab student", "aigc-lab instructor", "make wheelhouse", "make site", "<!-- BEGIN parts -->",
                  "<!-- BEGIN workshop -->"):
        assert topic in instructors, f"docs/instructors.md lacks {topic!r}"
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    for topic in ("NBVAL_CHECK_OUTPUT", "aigc-lab readme", "check-jsonschema", "ids.txt", "CHANGELOG.md"):
        assert topic in contributing, f"CONTRIBUTING.md lacks {topic!r}"
    for maintainer_only in ("NBVAL_CHECK_OUTPUT", "--update-checked", "docs/coverage.toml"):
        assert maintainer_only not in README, f"{maintainer_only!r} belongs in CONTRIBUTING.md"


# --------------------------------------------------------------------------- generated numbers
def test_every_generated_file_is_up_to_date_and_has_its_markers():
    for path, tables in report.generated().items():
        text = path.read_text()
        for marker in tables:
            assert f"<!-- BEGIN {marker} -->" in text and f"<!-- END {marker} -->" in text, (path, marker)
    assert report.stale_files() == [], "run `aigc-lab readme`"


def test_a_changed_results_file_makes_the_check_fail():
    runtimes, bench = report._load(report.RUNTIMES), report._load(report.BENCH)
    nb = next(iter(runtimes["cpu"]))
    slower = {**runtimes, "cpu": {**runtimes["cpu"], nb: {**runtimes["cpu"][nb], "seconds": 99999.0}}}
    stale = report.stale_files(slower, bench)
    assert report.README in stale and report.BENCHMARKS in stale and report.INSTRUCTORS in stale
    name = next(iter(bench["cpu"]))
    slower_bench = {**bench, "cpu": {**bench["cpu"], name: {**bench["cpu"][name], "seconds": 12345.0}}}
    assert report.stale_files(runtimes, slower_bench) == [report.README, report.BENCHMARKS]


def test_the_cli_check_passes_on_the_committed_files():
    result = subprocess.run([sys.executable, "-m", "aigc_lab.cli", "readme", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gpu_is_not_yet_measured_until_a_record_exists():
    runtimes = report._load(report.RUNTIMES)
    without_gpu = {p: v for p, v in runtimes.items() if p != "gpu"}
    for table in (report.parts_table(without_gpu), report.profiles_table(without_gpu),
                  report.runtime_table(without_gpu)):
        assert "not yet measured" in table
    assert re.search(r"^\| `gpu` .*\| not yet measured \|$", report.profiles_table(without_gpu), re.M)
    with_gpu = {**without_gpu, "gpu": {nb: {**r, "profile": "gpu", "seconds": 6.0}
                                       for nb, r in without_gpu["cpu"].items()}}
    assert "not yet measured" not in report.profiles_table(with_gpu)
    assert "not yet measured" not in report.parts_table(with_gpu)
    bench = report._load(report.BENCH)
    headlines = report.headline_table({p: v for p, v in bench.items() if p != "gpu"}, headlines={})
    rows = [line for line in headlines.splitlines()[2:]]
    assert rows and all("| not yet measured |" in row for row in rows)


def test_time_per_part_is_the_sum_of_its_notebooks():
    runtimes = {"cpu": {"notebooks/02_text/01_generation.ipynb": {"seconds": 100.0, "machine": "m"},
                        "notebooks/02_text/02_classification.ipynb": {"seconds": 200.0, "machine": "m"}}}
    row = next(line for line in report.parts_table(runtimes).splitlines() if line.startswith("| 2 Text |"))
    assert "| 5 min (2 of 7 notebooks measured) |" in row and row.endswith("| not yet measured | not yet measured |")


def test_the_workshop_path_names_real_notebooks_and_exercises():
    from aigc_lab.exercises import ids

    current = ids.current()
    for _, notebook, _ in report.WORKSHOP:
        assert (ROOT / notebook).exists(), notebook
    for exercise_id in report.workshop_exercises():
        assert exercise_id in current, f"the workshop suggests {exercise_id}, which is not a current exercise"


# --------------------------------------------------------------------------- licences, citation, versions
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_code_is_mit_and_content_is_cc_by_sa():
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "Permission is hereby granted, free of charge" in licence
    assert project()["license"] in ({"text": "MIT"}, "MIT")
    content = (ROOT / "LICENSE-CONTENT").read_text()
    assert "Creative Commons Attribution-ShareAlike 4.0" in content
    assert "https://creativecommons.org/licenses/by-sa/4.0/legalcode" in content
    assert "why" in content.lower()


def test_citation_file_is_valid_cff_and_matches_the_version():
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                             "vendor.citation-file-format", str(ROOT / "CITATION.cff")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    import yaml

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and str(citation["version"]) == project()["version"]
    assert "MIT" in citation["license"] and "CC-BY-SA-4.0" in citation["license"]


def test_changelog_has_an_entry_for_the_current_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    version = project()["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    first = re.search(r"^## \[?(\d+\.\d+\.\d+)\]?", changelog, re.M)
    assert first and first.group(1) == version, "the newest CHANGELOG entry is the version in pyproject.toml"
    assert f"version {version}" in README
