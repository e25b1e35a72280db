"""Shared fixtures: the repository root, and loading solution modules by path."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

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
