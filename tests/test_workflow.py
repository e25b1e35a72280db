"""CI and workshop tooling: the workflow files (validated offline against the public schema): the copyable CI
workflow and the one that publishes the site; `make wheelhouse`, the `TORCH=cpu` switch, and the test run's
network isolation (a namespace with only loopback)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading

import pytest
import yaml

from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
WORKFLOW = ROOT / ".github" / "workflows" / "notebooks.yml"
SITE_WORKFLOW = ROOT / ".github" / "workflows" / "site.yml"
# TEST-NET-1 (RFC 5737): reserved for documentation, never routed. A UDP connect() only looks up a route
# and sends nothing, so this probe puts no packet on any network, inside or outside a namespace.
UNROUTED = ("192.0.2.1", 9)


def validate(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True, timeout=120)


def make_dry_run(*args: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("no `make` on this machine (Windows, say): the README's steps without make apply")
    result = subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


# --------------------------------------------------------------------------- the workflow files
def test_both_workflows_are_here():
    assert WORKFLOW in WORKFLOWS and SITE_WORKFLOW in WORKFLOWS


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_against_the_github_workflow_schema(path):
    result = validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_does_reject_a_broken_workflow(tmp_path):
    broken = yaml.safe_load(WORKFLOW.read_text())
    del broken["jobs"]["test"]["runs-on"]                  # every job needs a runner
    broken["jobs"]["test"]["steps"][0]["uses"] = 42        # and `uses` is a string
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    result = validate(path)
    assert result.returncode != 0 and "runs-on" in result.stdout + result.stderr


def test_workflow_runs_make_test_on_ubuntu_python_311_cpu_torch_with_a_pip_cache():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    job = workflow["jobs"]["test"]
    assert job["runs-on"].startswith("ubuntu")
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11" and setup["with"]["cache"] == "pip"
    runs = [s.get("run", "") for s in job["steps"]]
    assert "make test" in runs, "the workflow runs the same command as .ci/run"
    assert any(r.startswith("make install") for r in runs), "installs through the Makefile, from requirements.txt"
    assert job["env"]["PIP_EXTRA_INDEX_URL"].endswith("/whl/cpu"), "the CPU build of torch, not a CUDA one"
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_workflow_runs_the_unit_tests_and_start_here_on_macos_and_windows():
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["portable"]
    assert sorted(job["strategy"]["matrix"]["os"]) == ["macos-latest", "windows-latest"]
    assert job["runs-on"] == "${{ matrix.os }}" and job["strategy"]["fail-fast"] is False
    assert job["env"]["AIGC_LAB_PROFILE"] == "smoke"
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11"
    runs = [s.get("run", "") for s in job["steps"]]
    assert "python -m pip install -r requirements.txt -e ." in runs, "the README's steps without make"
    unit = next(r for r in runs if r.startswith("python -m pytest") and r.rstrip().endswith(" tests"))
    assert '-m "not browser"' in unit, "Debian's Chromium exists on Ubuntu only"
    nbval = next(r for r in runs if "--nbval" in r)
    assert nbval.rstrip().endswith("notebooks/00_start_here.ipynb") and "tests/nbval_sanitize.cfg" in nbval


def test_site_workflow_builds_make_site_and_publishes_with_github_pages():
    workflow = yaml.safe_load(SITE_WORKFLOW.read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]      # YAML 1.1 reads `on:` as True
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read"}, "least privilege; the deploy job asks for more"
    assert workflow["concurrency"]["cancel-in-progress"] is False
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    runs = [s.get("run", "") for s in build["steps"]]
    assert "make install PYTHON=python TORCH=cpu" in runs
    assert any(r.startswith("make site") for r in runs)
    uses = {s["uses"].split("@")[0]: s for s in build["steps"] if "uses" in s}
    assert "actions/setup-node" in uses, "npm fetches the site's pinned scripts"
    assert "actions/configure-pages" in uses
    from aigc_lab import site

    where = site.DEFAULT_OUT.relative_to(ROOT).as_posix()
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == where == "build/site", "where `make site` writes"
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    step = next(s for s in deploy["steps"] if s.get("uses", "").startswith("actions/deploy-pages@"))
    assert deploy["environment"]["url"] == "${{ steps.%s.outputs.page_url }}" % step["id"]


# --------------------------------------------------------------------------- make wheelhouse
def test_make_wheelhouse_downloads_every_requirement_into_an_ignored_folder():
    commands = make_dry_run("wheelhouse")
    download = next(line for line in commands.splitlines() if "pip download" in line)
    assert "--dest wheelhouse" in download
    assert "-r requirements.txt" in commands, "the same requirements file as the install, torch pinned"
    assert '"setuptools>=64" wheel' in commands, "what `pip install --no-index ... -e .` needs to build the package"
    assert "wheelhouse/" in (ROOT / ".gitignore").read_text().splitlines()
    assert "--platform win_amd64" in make_dry_run("wheelhouse", "WHEELHOUSE_ARGS=--only-binary=:all: "
                                                  "--platform win_amd64 --python-version 3.11")
    guide = (ROOT / "docs" / "instructors.md").read_text()      # the instructors' guide, which the README links
    assert "make wheelhouse" in guide and "pip install --no-index --find-links wheelhouse" in guide
    assert "(docs/instructors.md)" in (ROOT / "README.md").read_text()


# --------------------------------------------------------------------------- TORCH=cpu
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def install_line(*args: str) -> str:
    """The pip install command `make install` would run (-W requirements.txt: as if it had just changed)."""
    commands = make_dry_run("-W", "requirements.txt", "install", *args)
    return next(line for line in commands.splitlines() if "pip install" in line and "-r requirements.txt" in line)


def test_the_default_install_is_unchanged_and_names_no_other_index():
    line = install_line()
    assert "index-url" not in line and "--disable-pip-version-check -r requirements.txt -e ." in line
    assert "torch-cpu" not in make_dry_run("lab") and "--force-reinstall" not in make_dry_run("lab")
    assert "index-url" not in next(line for line in make_dry_run("wheelhouse").splitlines() if "pip download" in line)


def test_torch_cpu_adds_pytorchs_cpu_index_as_the_ci_workflow_does():
    line = install_line("TORCH=cpu")
    assert f"--extra-index-url {CPU_INDEX} -r requirements.txt -e ." in line, "one command: torch stays pinned"
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow["jobs"]["test"]["env"]["PIP_EXTRA_INDEX_URL"] == CPU_INDEX, "the same index as CI"
    for target in ("lab", "test", "unit", "notebooks"):
        commands = make_dry_run(target, "TORCH=cpu", "OFFLINE_NOTE=")
        swap = next(line for line in commands.splitlines() if "--force-reinstall" in line)
        assert "torch.version.cuda is not None" in commands, f"make {target} TORCH=cpu checks the .venv's torch"
        assert "--no-deps" in swap and f" --index-url {CPU_INDEX} \"$(grep -E '^torch==' requirements.txt)\"" in commands
    download = next(line for line in make_dry_run("wheelhouse", "TORCH=cpu").splitlines() if "pip download" in line)
    assert f"--extra-index-url {CPU_INDEX}" in download and "-r requirements.txt" in make_dry_run("wheelhouse")


def test_an_unknown_torch_switch_is_refused():
    result = subprocess.run(["make", "-n", "lab", "TORCH=cuda"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "TORCH=cpu" in result.stderr


# --------------------------------------------------------------------------- network isolation
def unshare_works() -> bool:
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    probe = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True, timeout=30)
    return probe.returncode == 0


PROBE = """
import socket, sys
names = [name for _, name in socket.if_nameindex()]
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(("192.0.2.1", 9))
    outside = "reachable"
except OSError as err:
    outside = f"unreachable ({err.strerror})"
server = socket.create_server(("127.0.0.1", 0))
client = socket.create_connection(server.getsockname(), timeout=5)
peer, _ = server.accept()
client.sendall(b"ping")
print(names, outside, peer.recv(4).decode())
"""


def test_make_test_runs_in_a_namespace_with_only_loopback_when_it_can():
    commands = make_dry_run("test", "OFFLINE_NOTE=")
    pytest_line = next(line for line in commands.splitlines() if "-m pytest" in line)
    if unshare_works():
        assert "unshare -n sh -c 'ip link set lo up &&" in pytest_line
    else:
        assert "unshare" not in pytest_line
        assert "note: no network namespace here" in make_dry_run("test")


@pytest.mark.skipif(not unshare_works(), reason="unshare -n needs root on Linux and iproute2's ip")
def test_the_namespace_blocks_outside_addresses_and_keeps_loopback():
    result = subprocess.run(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" -c "$1"',
                             sys.executable, PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("['lo'] unreachable") and result.stdout.strip().endswith("ping")


@pytest.mark.skipif(os.environ.get("AIGC_LAB_NETWORK") != "isolated",
                    reason="not run by `make test` inside a network namespace (see the Makefile's OFFLINE)")
def test_this_test_run_and_its_child_processes_have_no_network():
    assert [name for _, name in socket.if_nameindex()] == ["lo"]
    with pytest.raises(OSError):
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(UNROUTED)
    child = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert child.stdout.strip().startswith("['lo'] unreachable") and child.stdout.strip().endswith("ping")


def test_loopback_works_for_this_run():
    """Kernels, Jupyter and torchrun rendezvous all talk over loopback; it must work, isolated or not."""
    server = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []
    thread = threading.Thread(target=lambda: received.append(server.accept()[0].recv(4)))
    thread.start()
    with socket.create_connection(server.getsockname(), timeout=5) as client:
        client.sendall(b"ping")
    thread.join(timeout=5)
    server.close()
    assert received == [b"ping"]
