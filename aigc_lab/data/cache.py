"""Where generated data is cached, and how to write it safely when several processes share the cache.

Generators that take more than a moment (the speech corpora) keep their output under
``datasets/cache/`` in the repository (ignored by git), or under ``$AIGC_LAB_DATA_DIR``
or a ``root=`` argument.  Three habits keep a shared cache sound:

- **a lock**: the first process to need a missing item makes it while holding an
  exclusive file lock; the others wait, then read what it made (pytest-xdist runs two
  workers at once in CI);
- **atomic writes**: each file is written to a temporary name and renamed into place,
  so a reader never sees half a file;
- **checksums**: a manifest records a SHA-256 of the data, and a mismatch means "make it again".
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

DATA_DIR_VARIABLE = "AIGC_LAB_DATA_DIR"


def cache_root(root: str | Path | None = None) -> Path:
    """``root``, else ``$AIGC_LAB_DATA_DIR``, else the repository's ``datasets/cache``, else ``~/.cache/aigc_lab``."""
    if root is not None:
        return Path(root)
    if os.environ.get(DATA_DIR_VARIABLE):
        return Path(os.environ[DATA_DIR_VARIABLE])
    repository = Path(__file__).resolve().parents[2]
    if (repository / "datasets").is_dir():
        return repository / "datasets" / "cache"
    return Path.home() / ".cache" / "aigc_lab"


@contextlib.contextmanager
def file_lock(path: Path):
    """Hold an exclusive lock on the file ``path`` (created if missing) for the ``with`` block; blocks until free.

    fcntl on Linux and macOS; msvcrt on Windows.  The lock belongs to this open file,
    so two threads of one process exclude each other too.
    """
    with open(path, "a+b") as handle:
        try:
            import fcntl
        except ImportError:                                   # Windows
            fcntl = None
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        else:
            import msvcrt
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)
            else:
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)


def write_atomically(path: Path, write) -> None:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it over ``path``."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
