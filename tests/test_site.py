"""The course website (`make site`, aigc_lab/site.py): pages built from executed notebooks that render in
a browser with no network at all, math typeset, figures shown, widgets drawn from their saved state."""
import functools
import json
import os
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath

import nbformat
import pytest

from aigc_lab import site
from conftest import ROOT, skip_or_fail

START = ROOT / "notebooks" / "00_start_here.ipynb"       # math, a plot and a widget panel


def nested_notebook_with_math():
    """A notebook one folder down (to test relative asset paths) with math; the cheapest recorded smoke run."""
    runtimes = json.loads((ROOT / "results" / "runtimes.json").read_text()).get("smoke", {})
    candidates = [p for p in sorted(ROOT.glob("notebooks/*/*.ipynb"))
                  if "$" in "".join(c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "markdown")]
    seconds = lambda p: runtimes.get(str(p.relative_to(ROOT)), {}).get("seconds", float("inf"))  # noqa: E731
    return min(candidates, key=seconds, default=None)


def pages_of(out):
    """The pages of a site built earlier, read back from its HTML."""
    pages = []
    for html in sorted(out.glob("notebooks/**/*.html")):
        text, relative = html.read_text(), PurePosixPath(html.relative_to(out).as_posix())
        pages.append(site.Page(ROOT / relative.with_suffix(".ipynb"), relative, html.stem,
                               "html-manager/dist/embed-amd.js" in text, "they do not respond" in text))
    return pages


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A small site (the start notebook and one nested notebook), built like `make site` in the smoke profile.

    With AIGC_LAB_SITE=build/site the tests check that site instead (all of it, after `make site`).
    """
    if os.environ.get("AIGC_LAB_SITE"):
        out = Path(os.environ["AIGC_LAB_SITE"]).resolve()
        return out, pages_of(out)
    paths = [START] + [p for p in [nested_notebook_with_math()] if p]
    out = tmp_path_factory.mktemp("site") / "site"
    try:
        pages = site.build_site([str(p) for p in paths], profile="smoke", out=out, log=lambda *_: None)
    except site.AssetsUnavailable as err:
        skip_or_fail(f"the site's pinned JavaScript is not cached and cannot be fetched: {err}")
    return out, pages


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(built):
    """The built site on a loopback HTTP server, as `python -m http.server` would serve it."""
    out, pages = built
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


# --------------------------------------------------------------------------- without a browser
def test_pages_load_only_local_files(built):
    out, pages = built
    assert site.check_site(out) == []
    for page in pages:
        text = (out / page.html).read_text()
        assert "_static/mathjax/MathJax.js" in text and "_static/requirejs/require.js" in text
        assert not re.search(r"""<(?:script|link|img)[^>]+(?:src|href)=["']https?:""", text), page.html
    index = (out / "index.html").read_text()
    assert "Widgets on these pages do not respond" in index
    assert all(str(page.html) in index for page in pages)


def test_widget_pages_use_the_local_renderer_and_say_controls_are_static(built):
    out, pages = built
    start = next(page for page in pages if page.source == START)
    assert start.has_widgets and start.has_controls, "00_start_here's executed copy must carry its sliders' state"
    for page in pages:
        text = (out / page.html).read_text()
        assert ("_static/html-manager/dist/embed-amd.js" in text) == page.has_widgets
        assert ("they do not respond" in text) == page.has_controls


def test_check_site_catches_remote_loads_and_missing_files(tmp_path):
    (tmp_path / "a.html").write_text(
        '<script src="https://cdn.example.org/x.js"></script><link rel="stylesheet" href="//cdn.example.org/y.css">'
        '<a href="https://example.org/">a plain link is fine</a><img src="missing.png">'
        '<style>@import url("https://fonts.example.org/css");</style>')
    problems = site.check_site(tmp_path)
    assert len(problems) == 4 and any("missing.png" in p for p in problems) and any("CSS" in p for p in problems)


def test_assets_are_pinned_with_an_integrity_hash():
    for package in site.pinned_packages():
        assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"]), package["name"]
        assert package["integrity"].startswith("sha512-") and package["files"] and package["dest"]
        assert all(re.compile(pattern) for pattern in package.get("replaces", []))


def test_a_stale_executed_copy_is_not_used(tmp_path, monkeypatch):
    """An executed copy whose cells differ from the notebook (it was edited since) is run again, not shown."""
    nb = nbformat.read(START, as_version=4)
    nb.cells[0].source += "\n\nedited since the last run"
    copy = tmp_path / "smoke" / "notebooks" / "00_start_here.ipynb"
    copy.parent.mkdir(parents=True)
    nbformat.write(nb, copy)
    ran = []
    monkeypatch.setattr(site.notebooks, "run_notebook",
                        lambda path, profile, out_dir: ran.append(path) or (site.notebooks.RunResult(
                            "x", profile, "ok", 0.0, 0.0), nb))
    site.executed_notebook(START, "smoke", tmp_path)
    assert ran == [START]
    nbformat.write(nbformat.read(START, as_version=4), copy)
    assert site.executed_notebook(START, "smoke", tmp_path)[1] is False and ran == [START]


# --------------------------------------------------------------------------- in Chromium, network blocked
MATH_DONE = """() => {
  const hub = window.MathJax && window.MathJax.Hub;
  if (!hub || !window.MathJax.isReady || hub.queue.pending || hub.queue.running) return false;
  const sources = document.querySelectorAll('script[type^="math/tex"]').length;   // one per formula found
  return document.querySelectorAll('span.MathJax_CHTML').length >= sources;        // each typeset
}"""
FORMULAS = """() => document.querySelectorAll('script[type^="math/tex"]').length"""
IMAGES_DONE = "() => Array.from(document.images).every(img => img.complete)"


@pytest.mark.browser
def test_site_renders_offline_in_chromium(served, watched_page):
    base, pages = served
    page = watched_page.page
    page.goto(f"{base}/index.html")
    assert "do not respond" in page.inner_text("body")
    formulas = {}
    for entry in pages:
        page.goto(f"{base}/{entry.html}", wait_until="load")
        page.wait_for_function(MATH_DONE, timeout=60_000)
        formulas[entry.html.stem] = page.evaluate(FORMULAS)
        assert page.locator(".MathJax_Error, .mjx-merror").count() == 0, f"{entry.html}: a formula failed"
        if entry.has_widgets:     # drawn from the saved state by the local widget renderer
            page.wait_for_selector(".jupyter-widgets", timeout=30_000)
        if entry.source == START:  # its panel's two sliders
            assert page.wait_for_selector(".widget-slider", timeout=30_000) and page.locator(".widget-slider").count() == 2
        page.wait_for_function(IMAGES_DONE, timeout=30_000)
        widths = page.eval_on_selector_all("img", "images => images.map(img => img.naturalWidth)")
        assert widths and all(w > 0 for w in widths), f"{entry.html}: images that did not show: {widths}"
        shot = ROOT / "build" / "browser" / f"site_{entry.html.stem}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=False)
    assert formulas.get(START.stem, 0) > 0 and len([n for n in formulas.values() if n]) >= min(2, len(pages)), formulas
    page.wait_for_timeout(500)       # let late requests (MathJax's lazily loaded menu and fonts) finish
    assert watched_page.problems == [], "\n".join(watched_page.problems)

