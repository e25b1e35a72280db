"""The three install files name the same packages; torch is pinned only where the CPU install needs it."""
import re
import tomllib

from conftest import ROOT

NAME = re.compile(r"^\s*-?\s*([A-Za-z0-9_.\-]+)")


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[; ]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject_packages() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in ("lab", "test"):
        specs += project["optional-dependencies"][extra]
    return {_name(s) for s in specs}


def requirements_packages() -> set[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {_name(line) for line in lines if line.strip() and not line.lstrip().startswith(("#", "-"))}


def environment_packages() -> set[str]:
    text = (ROOT / "environment.yml").read_text()
    pip_section = text.split("- pip:", 1)[1]
    entries = [line.strip()[2:] for line in pip_section.splitlines() if line.strip().startswith("- ")]
    return {_name(entry) for entry in entries if not entry.startswith("-")}    # not pip options (--extra-index-url)


def test_install_files_name_the_same_packages():
    assert pyproject_packages() == requirements_packages() == environment_packages()


def test_only_requirements_pins_torch_and_the_package_uses_ranges():
    requirements = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^torch==\d", requirements, re.M), "the CPU install must pin torch in the same pip command"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"] + sum(project["optional-dependencies"].values(), []):
        assert "==" not in spec, f"pyproject.toml pins {spec}; use a range"


def test_torch_range_admits_the_cpu_and_gpu_machines():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_spec = next(s for s in project["dependencies"] if _name(s) == "torch")
    lower = tuple(int(p) for p in re.search(r">=\s*([\d.]+)", torch_spec).group(1).split("."))
    assert lower <= (2, 11), "the GPU machines run torch 2.11"
    assert "<" not in torch_spec or "2.14" in torch_spec, "the CPU wheel is 2.13"


def test_makefile_installs_in_one_command_and_ci_calls_make_test():
    makefile = (ROOT / "Makefile").read_text()
    assert "-r requirements.txt -e ." in makefile
    assert "playwright install" not in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_environment_installs_cpu_torch_from_pip_and_names_no_dead_channel():
    """PyTorch stopped publishing to its `pytorch` conda channel; torch comes from pip, the CPU build by default
    (PyTorch's CPU index ahead of PyPI's Linux CUDA build), and the file says how to get CUDA instead."""
    import yaml

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"], "no `pytorch` (or `nvidia`) conda channel: it no longer publishes"
    conda_packages = [d for d in env["dependencies"] if isinstance(d, str)]
    assert not any(_name(d.replace("=", "==", 1)) in ("pytorch", "torch", "pytorch-cuda") for d in conda_packages)
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip[0] == "--extra-index-url https://download.pytorch.org/whl/cpu", "the CPU index, before any package"
    assert any(_name(p) == "torch" for p in pip)
    text = (ROOT / "environment.yml").read_text()
    assert "CUDA" in text and "https://download.pytorch.org/whl/cu" in text, "says how to get the CUDA build"


def test_speech_engine_is_held_to_one_release_everywhere():
    """The speech cache is tied to the engine's version: every install file must allow exactly one release."""
    assert re.search(r"^espeakng-loader==\d+\.\d+\.\d+$", (ROOT / "requirements.txt").read_text(), re.M)
    assert re.search(r"- espeakng-loader==\d+\.\d+\.\d+$", (ROOT / "environment.yml").read_text(), re.M)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    spec = next(s for s in project["dependencies"] if _name(s) == "espeakng-loader")
    match = re.fullmatch(r"espeakng-loader>=(\d+\.\d+)\.(\d+),<(\d+\.\d+)\.(\d+)", spec)
    assert match, f"pyproject.toml should bound espeakng-loader to one release, e.g. >=0.2.4,<0.2.5; got {spec}"
    low_minor, low_patch, high_minor, high_patch = match.groups()
    assert low_minor == high_minor and int(high_patch) == int(low_patch) + 1, f"{spec} admits more than one release"
