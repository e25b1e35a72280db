"""JupyterLab in a real browser, as a learner uses it: open a notebook, Run All from the menu, see every cell
finish without an error, move a widget's slider with the keyboard and see the plot change, and no console
errors on the way.  Plus the same widget driven from a kernel with no browser, so a widget that displays
but does nothing is caught on machines without Chromium too.

The browser is Debian's Chromium driven by Playwright (see the `chromium` fixtures in conftest.py), with
every request off this machine refused.  The notebooks are copied to a temporary folder first, so
JupyterLab's autosave can never write outputs into the course's sources.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT, skip_or_fail

START = ROOT / "notebooks" / "00_start_here.ipynb"
WIDGETS = re.compile(r"\bviz\.panel\(|\binteractive\(|ipywidgets")
SHOTS = ROOT / "build" / "browser"
# Quiet start: no news feed, no update check (both would ask the network and pop up a notification).
LAB_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                {"checkForUpdates": False, "fetchNews": "false"}}


def _source(path) -> str:
    return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code")


def browser_notebooks():
    """00_start_here and one other notebook with widgets: the quickest by its recorded smoke run."""
    runtimes = json.loads((ROOT / "results" / "runtimes.json").read_text()).get("smoke", {})
    others = [p for p in sorted((ROOT / "notebooks").rglob("*.ipynb"))
              if p != START and ".ipynb_checkpoints" not in p.parts and WIDGETS.search(_source(p))]
    others.sort(key=lambda p: runtimes.get(p.relative_to(ROOT).as_posix(), {}).get("seconds", float("inf")))
    return [START] + others[:1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab on a free loopback port, serving a copy of notebooks/; yields (base URL, token)."""
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", home / "root" / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name, values in LAB_SETTINGS.items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(values))
    port, token = free_port(), "aigc-lab-browser-test"
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    env.setdefault("AIGC_LAB_PROFILE", "smoke")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home / 'root'}"]
    if os.geteuid() == 0:
        command.append("--allow-root")          # JupyterLab refuses to start as root without it
    log = open(home / "server.log", "wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (home / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", token
    finally:
        os.killpg(server.pid, signal.SIGTERM)       # the server shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


# JavaScript run in the page.  Prompts read "[ ]:" (not run), "[*]:" (queued or running) or "[12]:" (done).
KERNEL_IDLE = """() => Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))
                          .some(item => /\\| Idle$/.test(item.textContent.trim()))"""
RUN_FINISHED = """() => {
  const prompts = Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'))
                       .map(p => p.textContent.trim());
  const idle = Array.from(document.querySelectorAll('.jp-StatusBar-TextItem')).some(i => /\\| Idle$/.test(i.textContent.trim()));
  return prompts.length > 0 && /^\\[\\d+\\]:$/.test(prompts[0]) && !prompts.includes('[*]:') && idle;
}"""
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^-{20,}\s*\n\s*\w+(Error|Exception|Interrupt)\b", re.M)


@pytest.mark.browser
@pytest.mark.parametrize("notebook", browser_notebooks(), ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_run_all_cells_in_jupyterlab(jupyterlab, watched_page, notebook):
    base, token = jupyterlab
    relative = notebook.relative_to(ROOT).as_posix()
    page = watched_page.page
    page.goto(f"{base}/lab/workspaces/test-{notebook.stem}/tree/{relative}?reset&token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)      # Run All before the kernel is up asks for one

    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(RUN_FINISHED, timeout=240_000, polling=500)

    prompts = page.eval_on_selector_all(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt",
                                        "ps => ps.map(p => p.textContent.trim())")
    stderr = page.eval_on_selector_all('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
                                       "outs => outs.map(o => o.textContent)")
    errors = [text[:1500] for text in stderr if TRACEBACK.search(text)]
    assert not errors, f"{relative}: a cell failed:\n" + "\n".join(errors)
    assert all(re.fullmatch(r"\[\d+\]:", p) for p in prompts), f"{relative}: cells that did not run: {prompts}"

    if WIDGETS.search(_source(notebook)):
        move_a_slider_and_see_the_view_change(page, relative)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"jupyterlab_{notebook.stem}.png"))
    assert watched_page.problems == [], "\n".join(watched_page.problems)


def move_a_slider_and_see_the_view_change(page, relative):
    """Focus the first slider's handle, press the right arrow, and wait for its readout and its view to change.

    A panel (aigc_lab.viz.panel) is a VBox: its controls, then a Box holding the view (an image or text).
    A panel with a button (for slow renders) redraws on a click, so the button is clicked too.
    """
    slider = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-slider").first
    slider.wait_for(timeout=30_000)
    slider.scroll_into_view_if_needed()
    readout = slider.locator(".widget-readout")
    view = slider.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]/div[contains(@class, 'widget-box')]").last
    before_value, before_view = readout.inner_text(), view.inner_html()
    slider.locator(".noUi-handle").first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    changed = "([el, before]) => el.textContent.trim() !== before.trim()"
    page.wait_for_function(changed, arg=[readout.element_handle(), before_value], timeout=30_000)
    button = slider.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]/button")
    if button.count():
        button.first.click()
    page.wait_for_function("([el, before]) => el.innerHTML !== before", arg=[view.element_handle(), before_view],
                           timeout=60_000)       # the kernel re-ran the render function and sent a new view
    for image in view.locator("img").all():
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    view.scroll_into_view_if_needed()


# --------------------------------------------------------------------------- no browser
def test_start_here_panel_responds_in_a_kernel(monkeypatch):
    """Run 00_start_here up to its widget panel in a real kernel, move a slider there, and check the view changed."""
    monkeypatch.setenv("AIGC_LAB_PROFILE", "smoke")
    nb = nbformat.read(START, as_version=4)
    panel_cell = next((i for i, cell in enumerate(nb.cells) if "viz.panel(" in cell.source), None)
    if panel_cell is None:
        pytest.fail("00_start_here.ipynb has no viz.panel(...) cell; this test drives its sliders")
    drive = (
        "panel = _                                     # the VBox the panel cell displayed\n"
        "slider = next(w for w in panel.children if hasattr(w, 'max'))\n"
        "view = panel.children[-1].children[0]\n"
        "before = view.value\n"
        "slider.value = slider.max if slider.value != slider.max else slider.min\n"
        "print('view changed:', view.value != before, '| still an image:', len(view.value) > 1000)\n")
    nb.cells = nb.cells[:panel_cell + 1] + [nbformat.v4.new_code_cell(drive)]
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(START.parent)}}).execute()
    printed = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    assert printed.strip() == "view changed: True | still an image: True", printed


def test_a_missing_browser_is_a_failure_under_ci_and_a_skip_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        skip_or_fail("no Chromium")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no Chromium"):
        skip_or_fail("no Chromium")
