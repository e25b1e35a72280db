"""Build the course website: every notebook, executed, as a static HTML page that needs no network.

    make site                                          # every notebook, this machine's profile
    python -m aigc_lab.site --profile smoke notebooks/00_start_here.ipynb --out /tmp/site

The steps, one function each, in the order ``build_site`` calls them:

1. ``executed_notebook``: take the executed copy that ``aigc-lab run`` left under
   ``build/executed/<profile>/`` when its cells still match the notebook; otherwise run the notebook
   now (leaving the copy there, so the next build does not run it again).
2. ``vendor_assets``: nbconvert's pages load MathJax, require.js and the ipywidgets renderer from
   CDNs, which fails offline.  The site serves its own copies: the npm packages pinned in
   ``docs/site/assets.json``, fetched once with ``npm pack`` into ``build/vendor/`` (the only step
   that may use the network, and only the first time) and checked against their sha512.
3. ``render_page``: nbconvert's JupyterLab template, extended in ``docs/site/templates/aigc`` with a
   navigation bar, its asset URLs pointed at ``_static/`` by relative paths, so the folder can be
   copied anywhere and served by any static web server.
4. ``write_index``: a contents page, grouped by part, which says plainly that widgets on static
   pages do not respond.
5. ``check_site``: no page may load anything from outside the site, and every local link resolves.

View it with ``python -m http.server --directory build/site`` and http://127.0.0.1:8000: browsers
refuse MathJax's web fonts on pages opened straight from disk (``file://``).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

from . import notebooks, runtime

ROOT = notebooks.ROOT
SITE_SOURCES = ROOT / "docs" / "site"          # assets.json, site.css, templates/aigc/
DEFAULT_OUT = ROOT / "build" / "site"
EXECUTED_DIR = ROOT / "build" / "executed"     # where `aigc-lab run` writes executed copies
VENDOR_CACHE = ROOT / "build" / "vendor"       # npm tarballs, fetched once
MARKER = ".aigc-site"                          # marks a folder this module may wipe and rebuild
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# Widget models a reader would try to use (a progress bar or an image is only looked at).
CONTROL_MODEL = re.compile(r"(Slider|Button|Text|Textarea|Dropdown|Checkbox|Select|Play|Picker|Combobox)\w*Model$")


class SiteError(RuntimeError):
    """The site cannot be built; the message says why and what to do."""


class AssetsUnavailable(SiteError):
    """A pinned package is not in the cache and cannot be fetched (no npm, or no network)."""


@dataclass
class Page:
    source: Path        # the notebook, e.g. <repo>/notebooks/01_foundations/02_algorithms.ipynb
    html: PurePosixPath  # the page, relative to the site root: notebooks/01_foundations/02_algorithms.html
    title: str
    has_widgets: bool    # the executed copy saved widget state (progress bars count), drawn by the widget renderer
    has_controls: bool   # among them, controls a reader would try to use (sliders, buttons, ...), which do nothing here


# --------------------------------------------------------------------------- 1. executed notebooks
def _cells(nb) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def _has_errors(nb) -> bool:
    return any(out.get("output_type") == "error" for cell in nb.cells for out in cell.get("outputs", []))


def executed_notebook(path: Path, profile: str, executed_dir: Path = EXECUTED_DIR):
    """The executed notebook for ``path``: a matching error-free copy from ``aigc-lab run``, or a fresh run.

    Returns (notebook, ran_now).  A copy counts only if every cell's source equals the notebook's:
    an edited notebook is run again rather than shown with outputs of older code.
    """
    import nbformat

    copy = executed_dir / profile / notebooks._relative(path)
    if copy.exists():
        executed = nbformat.read(copy, as_version=4)
        if _cells(executed) == _cells(nbformat.read(path, as_version=4)) and not _has_errors(executed):
            return executed, False
    result, executed = notebooks.run_notebook(path, profile, out_dir=executed_dir)
    if result.status != "ok":
        raise SiteError(f"{result.notebook} failed in the {profile} profile: {result.error}")
    return executed, True


def notebook_title(nb, path: Path) -> str:
    """The first markdown heading ("# Start here: ..."), else the file name."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem.replace("_", " ")


def widget_models(nb) -> list[str]:
    """Model names in the widget state an executed notebook saved, e.g. ["FloatSliderModel", "LayoutModel"]."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return [model.get("model_name", "") for model in state.values()]


# --------------------------------------------------------------------------- 2. vendored JavaScript
def _tarball_name(name: str, version: str) -> str:
    """The file name `npm pack` gives: "@jupyter-widgets/html-manager" -> "jupyter-widgets-html-manager-1.0.15.tgz"."""
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def _verify(tarball: Path, integrity: str) -> None:
    algorithm, expected = integrity.split("-", 1)           # "sha512-<base64 digest>", as npm records it
    actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if actual != expected:
        tarball.unlink()
        raise SiteError(f"{tarball.name} does not match the {algorithm} in docs/site/assets.json; removed it")


def fetch_package(package: dict, cache: Path = VENDOR_CACHE) -> Path:
    """The package's npm tarball from the cache, fetched with `npm pack` the first time; checked either way."""
    spec = f"{package['name']}@{package['version']}"
    tarball = cache / _tarball_name(package["name"], package["version"])
    if not tarball.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise AssetsUnavailable(f"{tarball} is missing and npm is not installed to fetch it. Install Node.js "
                            f"(Debian: apt-get install npm), or copy `npm pack {spec}` from a machine with "
                            f"network into {cache}/")
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "pack", spec, "--pack-destination", str(cache), "--silent", "--prefer-offline"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not tarball.exists():
            raise AssetsUnavailable(f"`npm pack {spec}` failed (the first site build needs the npm registry):\n"
                            f"{done.stderr.strip()[-1500:]}")
    _verify(tarball, package["integrity"])
    return tarball


def _wanted(relative: str, patterns: list[str]) -> str | None:
    for pattern in patterns:
        if (pattern.endswith("/**") and relative.startswith(pattern[:-2])) or fnmatch(relative, pattern):
            return pattern
    return None


def copy_files(tarball: Path, patterns: list[str], dest: Path) -> int:
    """Copy the tarball's files that match ``patterns`` (relative to the package root) into ``dest``."""
    unmatched, copied = set(patterns), 0
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            parts = PurePosixPath(member.name).parts[1:]    # npm tarballs hold one folder, usually "package/"
            if not member.isfile() or not parts or ".." in parts:
                continue
            pattern = _wanted("/".join(parts), patterns)
            if pattern is None:
                continue
            unmatched.discard(pattern)
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tar.extractfile(member).read())
            copied += 1
    if unmatched:
        raise SiteError(f"{tarball.name} has no files matching {sorted(unmatched)}: update docs/site/assets.json")
    return copied


def pinned_packages() -> list[dict]:
    return json.loads((SITE_SOURCES / "assets.json").read_text())["packages"]


def fetch_assets(cache: Path = VENDOR_CACHE) -> list[Path]:
    """Fetch (or find) and check every pinned tarball: after this, site builds need no network."""
    return [fetch_package(package, cache) for package in pinned_packages()]


def vendor_assets(static: Path, cache: Path = VENDOR_CACHE) -> list[dict]:
    """Fill ``static`` (the site's _static/) with the pinned packages and the site's CSS; return the packages."""
    packages = pinned_packages()
    notice = ["Third-party files served by this site (from the npm registry, pinned in docs/site/assets.json):", ""]
    for package in packages:
        copy_files(fetch_package(package, cache), package["files"], static / package["dest"])
        licence = json.loads((static / package["dest"] / "package.json").read_text()).get("license", "see the package")
        notice.append(f"{package['name']} {package['version']}, licence {licence}, in {package['dest']}/: {package['why']}")
    (static / "THIRD_PARTY.txt").write_text("\n".join(notice) + "\n")
    shutil.copy(SITE_SOURCES / "site.css", static / "site.css")
    return packages


# --------------------------------------------------------------------------- 3. notebook pages
def make_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="aigc", extra_template_basedirs=[str(SITE_SOURCES / "templates")])


def _link(page: Page, other: Page) -> str:
    return os.path.relpath(other.html, page.html.parent).replace(os.sep, "/")


def render_page(exporter, nb, page: Page, prev: Page | None, next_: Page | None, packages: list[dict]) -> str:
    """One notebook as HTML whose every script, style and font comes from the site's _static/ folder.

    nbconvert's own asset URLs are set through its options; remote URLs inside notebook outputs
    (a package's ``replaces`` in assets.json) are rewritten to the vendored copy.
    """
    up = os.path.relpath(".", page.html.parent).replace(os.sep, "/")     # "..", "../..", ...
    static = f"{up}/_static"
    exporter.mathjax_url = f"{static}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    exporter.require_js_url = f"{static}/requirejs/require.js"
    exporter.widget_renderer_url = f"{static}/html-manager/dist/embed-amd.js"
    site = {"static": static, "index": f"{up}/index.html", "has_controls": page.has_controls,
            "prev": (_link(page, prev), prev.title) if prev else None,
            "next": (_link(page, next_), next_.title) if next_ else None}
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": page.title}, "site": site})
    for package in packages:
        for remote in package.get("replaces", []):
            body = re.sub(remote, f"{static}/{package['dest']}/{package['local']}", body)
    return body


# --------------------------------------------------------------------------- 4. the contents page
def _part_heading(page: Page) -> str:
    """notebooks/01_foundations/x.ipynb -> "Part 1: Foundations"; top-level notebooks -> "Start here"."""
    parts = page.source.relative_to(ROOT / "notebooks").parts
    if len(parts) == 1:
        return "Start here"
    number, _, name = parts[0].partition("_")
    return f"Part {int(number)}: {name.replace('_', ' ').capitalize()}" if number.isdigit() else parts[0]


def write_index(out: Path, pages: list[Page], profile: str, packages: list[dict]) -> None:
    lines = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
             '<title>AIGC Lab: the course notebooks</title>',
             '<link rel="stylesheet" href="_static/site.css">', '</head>', '<body class="aigc-index">',
             '<h1>AIGC Lab</h1>',
             '<p>Every notebook of the course, executed, with its outputs: plots, animations, audio players '
             f'and printed results. These pages show the <code>{profile}</code> profile\'s runs.'
             + (' That profile only proves every cell runs: its models are deliberately tiny and undertrained.'
                if profile == "smoke" else '') + '</p>',
             '<p class="aigc-static-note"><strong>Widgets on these pages do not respond.</strong> Sliders, '
             'buttons and other controls are drawn as they were when the notebook ran, but no Python runs '
             'behind a static web page, so moving them changes nothing. To use them, open the notebook in '
             'JupyterLab (<code>make lab</code>).</p>']
    heading = None
    for page in pages:
        if _part_heading(page) != heading:
            lines += (["</ul>"] if heading else []) + [f"<h2>{html.escape(_part_heading(page))}</h2>", "<ul>"]
            heading = _part_heading(page)
        tag = ' <span class="aigc-widget-tag">widgets (static here)</span>' if page.has_controls else ""
        source = notebooks._relative(page.source)
        lines.append(f'<li><a href="{page.html}">{html.escape(page.title)}</a>{tag} '
                     f'<span class="aigc-file">{html.escape(source)}</span></li>')
    assets = ", ".join(f"{p['name']} {p['version']}" for p in packages)
    lines += (["</ul>"] if heading else []) + [
        f'<footer>Built {date.today().isoformat()} by <code>make site</code> ({html.escape(profile)} profile). '
        f'Nothing here loads from the network: {html.escape(assets)} are served from this site\'s own '
        '<a href="_static/THIRD_PARTY.txt">_static</a> folder.</footer>', '</body>', '</html>']
    (out / "index.html").write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- 5. the offline check
class _References(HTMLParser):
    """Collects (tag, url) for every src= and href= in a page."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, value) for name, value in attrs if name in ("src", "href") and value]


REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)             # http://, https://, //host
CSS_REMOTE = re.compile(r"""(?:url\(|@import)\s*['"]?(?:https?:)?//""", re.I)


def check_site(out: Path) -> list[str]:
    """Problems with the built site: a page that loads something remote, or a local link to a missing file.

    Plain links (<a href>) may point outside (a reader chooses to follow them); anything a browser
    loads by itself (scripts, styles, images, frames, media) must be local.
    """
    problems = []
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(errors="replace")
        parser = _References()
        parser.feed(text)
        for tag, url in parser.found:
            if url.startswith(("data:", "#", "mailto:", "javascript:")):
                continue
            if REMOTE.match(url):
                if tag != "a":
                    problems.append(f"{page.relative_to(out)}: <{tag}> loads {url}")
                continue
            target = (page.parent / url.split("#")[0].split("?")[0]).resolve()
            if not target.exists():
                problems.append(f"{page.relative_to(out)}: <{tag}> points at missing {url}")
        problems += [f"{page.relative_to(out)}: CSS loads a remote file" for _ in CSS_REMOTE.finditer(text)]
    return problems


def copy_linked_docs(out: Path, pages: list[Page]) -> list[Path]:
    """Copy the files under docs/ that pages link to by a relative path (a notebook's glossary link), so the
    link works on the site as it does in the repository; return the copies."""
    copied = []
    for page in pages:
        parser = _References()
        parser.feed((out / page.html).read_text(errors="replace"))
        for tag, url in parser.found:
            if tag != "a" or REMOTE.match(url) or url.startswith(("data:", "#", "mailto:", "javascript:")):
                continue
            relative = url.split("#")[0].split("?")[0]
            source = ((ROOT / page.html).parent / relative).resolve()
            target = ((out / page.html).parent / relative).resolve()
            if (source.is_file() and source.is_relative_to(ROOT / "docs") and not target.exists()
                    and target.is_relative_to(out.resolve())):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                copied.append(target)
    return copied


# --------------------------------------------------------------------------- the whole build
def _prepare(out: Path) -> None:
    """Empty ``out`` for a fresh build, but only if it is new, empty, or a site this module built."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise SiteError(f"{out} is not empty and is not a site built here; choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("built by aigc_lab.site; `make site` deletes and rebuilds this folder\n")


def build_site(paths: list[str] | None = None, *, profile: str | None = None, out: Path = DEFAULT_OUT,
               executed_dir: Path = EXECUTED_DIR, vendor_cache: Path = VENDOR_CACHE, log=print) -> list[Page]:
    """Build the site for the notebooks under ``paths`` (default: all of notebooks/); return its pages."""
    import nbformat  # noqa: F401 -- fail early, with the import error, if the lab extra is missing

    profile = runtime.profile() if profile is None else profile
    runtime.pick(1, 1, 1, profile_name=profile)                        # validates the name
    sources = notebooks.find_notebooks(paths)
    for path in sources:
        if not path.resolve().is_relative_to(ROOT / "notebooks"):
            raise SiteError(f"{path} is not under {ROOT / 'notebooks'}; the site shows the course's notebooks")
    out = Path(out)
    _prepare(out)
    packages = vendor_assets(out / "_static", vendor_cache)

    executed, pages, failed = {}, [], []
    for path in sources:
        try:
            nb, ran_now = executed_notebook(path.resolve(), profile, executed_dir)
        except SiteError as err:
            failed.append(str(err))
            log(f"{notebooks._relative(path):58s} FAILED")
            continue
        log(f"{notebooks._relative(path):58s} {'ran now' if ran_now else f'executed copy from {executed_dir.name}/{profile}/'}")
        models = widget_models(nb)
        page = Page(path.resolve(), PurePosixPath(notebooks._relative(path)).with_suffix(".html"),
                    notebook_title(nb, path), bool(models), any(CONTROL_MODEL.search(m) for m in models))
        executed[page.source], pages = nb, pages + [page]

    exporter = make_exporter()
    for i, page in enumerate(pages):
        prev, next_ = pages[i - 1] if i else None, pages[i + 1] if i + 1 < len(pages) else None
        target = out / page.html
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_page(exporter, executed[page.source], page, prev, next_, packages))
    write_index(out, pages, profile, packages)
    copy_linked_docs(out, pages)

    problems = check_site(out)
    if problems:
        raise SiteError("the built site is not self-contained:\n  " + "\n  ".join(problems[:20]))
    if failed:
        raise SiteError(f"{len(failed)} notebook(s) failed and are missing from the site:\n  " + "\n  ".join(failed))
    log(f"{len(pages)} page(s) in {out}; view with: python -m http.server --directory {out}")
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aigc_lab.site", description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/)")
    parser.add_argument("--profile", help="whose executed copies to show (default: this machine's profile)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: build/site)")
    parser.add_argument("--assets-only", action="store_true",
                        help=f"only fetch and check the pinned packages into {VENDOR_CACHE.relative_to(ROOT)}/ (no build)")
    args = parser.parse_args(argv)
    try:
        if args.assets_only:
            tarballs = fetch_assets()
            print(f"site assets ready: {len(tarballs)} pinned packages in {VENDOR_CACHE}")
            return 0
        build_site(args.paths or None, profile=args.profile, out=args.out)
    except (SiteError, FileNotFoundError, ValueError, runtime.ProfileError) as err:
        print(f"make site: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
