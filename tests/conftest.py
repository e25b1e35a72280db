"""Shared fixtures: the repository root, and loading solution modules by path."""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


def load_module(path: Path):
    """Import a file whose name is not a valid module name (solutions/01_foundations/02_algorithms.py)."""
    spec = importlib.util.spec_from_file_location(f"solution_{path.stem}_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


# --------------------------------------------------------------------------- browser tests (tests/test_site.py,
# tests/test_browser.py): Debian's Chromium driven by Playwright, with every request off this machine refused.
CHROMIUM = Path(os.environ.get("AIGC_LAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def skip_or_fail(reason: str):
    """Skip with the reason on a user's machine; under CI=true a missing piece is a failure, never a silent skip."""
    if in_ci():
        pytest.fail(f"CI=true, so this cannot be skipped: {reason}")
    pytest.skip(reason)


@dataclass
class WatchedPage:
    """A Playwright page plus everything that went wrong on it: blocked or failed requests, HTTP errors,
    console errors and uncaught exceptions."""
    page: object
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def chromium(tmp_path):
    """A headless Chromium (a Playwright BrowserContext) with a fresh profile; requests off loopback are aborted."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (it is in requirements.txt: make install)")
    if not CHROMIUM.exists():
        skip_or_fail(f"no Chromium at {CHROMIUM}: install it (Debian/Ubuntu: apt-get install chromium) "
                     "or point AIGC_LAB_CHROMIUM at one; never `playwright install`")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def watched_page(chromium):
    """A new page whose problems are recorded; every request to a host other than loopback is aborted."""
    watched = WatchedPage(chromium.new_page())

    def only_loopback(route):
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            watched.problems.append(f"blocked a request off this machine: {route.request.url}")
            route.abort()

    page = watched.page
    page.route("**/*", only_loopback)
    page.on("requestfailed", lambda r: watched.problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and watched.problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("console", lambda m: m.type == "error" and watched.problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: watched.problems.append(f"uncaught exception: {e}"))
    yield watched
    page.close()


@pytest.fixture
def one_thread():
    """Tiny models train many times faster on one thread (and do not fight other jobs for the cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def seeded_one_thread(one_thread):
    """One thread and torch's global seed at 0, for tests that train tiny models."""
    torch.manual_seed(0)
    yield
