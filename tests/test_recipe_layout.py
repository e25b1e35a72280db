"""Where recipes live (issue 18), checked by parsing imports, not by running anything.

- No notebook imports ``aigc_lab.benchmarks``: a lesson's recipe comes from a modality package.
- A benchmark takes no recipe from another benchmark module: between benchmark modules only figures travel
  (``figures``, ``*_figures``, ``PARTS``, ``headline``); ``benchmarks/__init__.py`` alone imports whole modules.
- No package module outside ``benchmarks/`` (the CLI aside) imports ``aigc_lab.benchmarks``.
- ``data/`` imports no modality package: features are computed in the modality's package.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "aigc_lab"
MODALITIES = {"text", "image", "speech", "video", "multimodal", "explain", "deploy"}
FIGURE_NAMES = {"figures", "PARTS", "headline"}


def imports(tree: ast.AST, module: str) -> list[tuple[str, list[str], int]]:
    """(absolute module, imported names, line) for every import in ``tree`` of the module named ``module``
    (dotted, e.g. ``aigc_lab.benchmarks.image``); ``import a.b`` gives (``a.b``, [], line)."""
    package = module.rsplit(".", 1)[0] if not module.endswith("__init__") else module.removesuffix(".__init__")
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((name, [alias.name for alias in node.names], node.lineno))
    return out


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def parsed(path: Path) -> list[tuple[str, list[str], int]]:
    return imports(ast.parse(path.read_text(encoding="utf-8")), module_name(path))


def touches_benchmarks(name: str, names: list[str]) -> bool:
    return name.startswith("aigc_lab.benchmarks") or (name == "aigc_lab" and "benchmarks" in names)


def code_cell_source(source: str) -> str:
    """A code cell without IPython magics and shell escapes, which are not Python."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_no_notebook_imports_the_benchmarks(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(code_cell_source(cell.source))
        found = [name for name, names, _ in imports(tree, "notebook") if touches_benchmarks(name, names)]
        assert not found, (f"{path.relative_to(ROOT)} cell {index} imports {found}: import the recipe from its "
                           f"modality package (aigc_lab/<modality>/*_recipe.py) instead")


def test_notebooks_were_found():
    assert len(NOTEBOOKS) > 30


def test_no_benchmark_takes_a_recipe_from_another():
    bad = []
    for path in sorted((PACKAGE / "benchmarks").glob("*.py")):
        for name, names, line in parsed(path):
            if not name.startswith("aigc_lab.benchmarks"):
                continue
            where = f"{path.relative_to(ROOT)}:{line}"
            if name == "aigc_lab.benchmarks":          # from . import module: registration only
                if path.name != "__init__.py":
                    bad.append(f"{where} imports whole benchmark modules {names}")
                continue
            recipes = [n for n in names if n not in FIGURE_NAMES and not n.endswith("_figures")]
            if recipes:
                bad.append(f"{where} takes {recipes} from {name}")
    assert not bad, "benchmarks only measure; move these recipes to a modality package:\n" + "\n".join(bad)


def test_only_the_benchmarks_and_the_cli_import_the_benchmarks():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "benchmarks" or rel.name in ("cli.py", "bench.py"):
            continue
        bad += [f"{path.relative_to(ROOT)}:{line} imports {name}" for name, names, line in parsed(path)
                if touches_benchmarks(name, names)]
    assert not bad, "\n".join(bad)


def test_data_imports_no_modality_package():
    bad = []
    for path in sorted((PACKAGE / "data").rglob("*.py")):
        for name, names, line in parsed(path):
            parts = name.split(".")
            hits = ([parts[1]] if len(parts) > 1 and parts[0] == "aigc_lab" and parts[1] in MODALITIES else
                    [n for n in names if name == "aigc_lab" and n in MODALITIES])
            bad += [f"{path.relative_to(ROOT)}:{line} imports aigc_lab.{hit}" for hit in hits]
    assert not bad, "data/ needs no models: compute features in the modality package\n" + "\n".join(bad)


def test_the_checks_see_relative_imports():
    """The parser resolves relative imports the way Python does (a check that misread them would pass vacuously)."""
    tree = ast.parse("from ..speech.features import log_mel_spectrogram\nfrom . import cache\nfrom .. import text\n")
    assert imports(tree, "aigc_lab.data.speech_tts") == [("aigc_lab.speech.features", ["log_mel_spectrogram"], 1),
                                                         ("aigc_lab.data", ["cache"], 2), ("aigc_lab", ["text"], 3)]
    tree = ast.parse("from . import concepts\nfrom .speech_recognition import one_thread\n")
    assert imports(tree, "aigc_lab.benchmarks.__init__") == [("aigc_lab.benchmarks", ["concepts"], 1),
                                                             ("aigc_lab.benchmarks.speech_recognition",
                                                              ["one_thread"], 2)]


# --------------------------------------------------------------------------- the recipes' typed settings
RECIPES = sorted(module_name(p) for p in PACKAGE.rglob("*_recipe.py"))


def settings_functions(module):
    """The module's functions that return its settings: named ``settings`` or ``*_settings``, no arguments needed."""
    import inspect

    for name, fn in vars(module).items():
        if (name == "settings" or name.endswith("_settings")) and inspect.isfunction(fn) and \
                fn.__module__ == module.__name__:
            yield name, fn


def test_recipes_were_found():
    assert {"aigc_lab.image.diffusion_recipe", "aigc_lab.speech.synthesis_recipe",
            "aigc_lab.video.cyclegan_recipe"} <= set(RECIPES)


@pytest.mark.parametrize("module", RECIPES)
@pytest.mark.parametrize("profile", ["smoke", "cpu", "gpu"])
def test_every_recipe_has_typed_settings_in_every_profile(module, profile, monkeypatch):
    import dataclasses
    import importlib

    from aigc_lab.settings import Settings

    monkeypatch.setenv("AIGC_LAB_PROFILE", profile)
    found = list(settings_functions(importlib.import_module(module)))
    if module == "aigc_lab.explain.comparison_recipe":     # a dict per modality of the explain notebooks' dicts
        assert [name for name, _ in found] == ["comparison_settings"]
        return
    assert found, f"{module} has no settings function"
    for name, fn in found:
        s = fn()
        assert isinstance(s, Settings) and dataclasses.is_dataclass(s), f"{module}.{name}() is not typed settings"
        assert all(s[k] is getattr(s, k) for k in s.keys())


def test_settings_read_as_attributes_or_keys_and_reject_unknown_names():
    import dataclasses

    from aigc_lab.settings import Settings

    @dataclasses.dataclass
    class Tiny(Settings):
        steps: int
        lr: float = 1e-3

    s = Tiny(steps=10)
    assert s.steps == s["steps"] == 10 and dict(s) == {"steps": 10, "lr": 1e-3} and {**s}["lr"] == 1e-3
    assert "steps" in s and "stepz" not in s and s.get("stepz", 5) == 5
    s["steps"] = 20
    assert s.steps == 20 and s.replace(lr=0.1) == Tiny(steps=20, lr=0.1) and s.lr == 1e-3
    with pytest.raises(KeyError, match="stepz"):
        s["stepz"]
    with pytest.raises(KeyError, match="stepz"):
        s["stepz"] = 1
