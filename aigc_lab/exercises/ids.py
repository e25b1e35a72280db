"""Every exercise ID ever published, read from ``ids.txt`` beside this module.

An instructor's student copy calls ``check("<id>", answer)`` long after it was handed
out, so an ID is a promise: it is never renamed and never reused for another exercise.
``ids.txt`` lists each ID once with its kind and, for an exercise that moved or was
withdrawn, ``moved NEW_ID`` or ``retired``. :func:`resolve` is what ``check()`` uses to
answer an old ID; ``tests/test_exercise_ids.py`` holds the file to the rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).with_name("ids.txt")
STATUSES = ("current", "moved", "retired")


@dataclass(frozen=True)
class PublishedId:
    id: str                     # "02_text.01.b"
    kind: str                   # "value" or "function", as the check registers it
    status: str = "current"     # "current" | "moved" | "retired"
    moved_to: str | None = None  # the new ID, for a moved exercise


def parse(text: str, name: str = "ids.txt") -> dict[str, PublishedId]:
    """The IDs in ``text`` (the format of ids.txt), by ID; ValueError on a malformed or repeated line."""
    published: dict[str, PublishedId] = {}
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) == 2:
            entry = PublishedId(*words)
        elif len(words) == 4 and words[2] == "moved":
            entry = PublishedId(words[0], words[1], "moved", words[3])
        elif len(words) == 3 and words[2] == "retired":
            entry = PublishedId(words[0], words[1], "retired")
        else:
            raise ValueError(f"{name}, line {number}: expected 'ID KIND [moved NEW_ID | retired]', got {line!r}")
        if entry.kind not in ("value", "function"):
            raise ValueError(f"{name}, line {number}: kind must be 'value' or 'function', got {entry.kind!r}")
        if entry.id in published:
            raise ValueError(f"{name}, line {number}: {entry.id} is listed twice (an ID is published once)")
        published[entry.id] = entry
    return published


@lru_cache(maxsize=None)
def published() -> dict[str, PublishedId]:
    """Every ID in ids.txt (read once)."""
    return parse(PATH.read_text(encoding="utf-8"))


def current() -> dict[str, str]:
    """The IDs that name an exercise today -> their kind."""
    return {i: e.kind for i, e in published().items() if e.status == "current"}


def resolve(exercise_id: str) -> str:
    """The ID an exercise has today: ``exercise_id`` itself, or where a moved exercise went (following a
    chain of moves). KeyError for a retired exercise; an ID the file does not know is returned as it is."""
    seen = [exercise_id]
    entry = published().get(exercise_id)
    while entry is not None and entry.status == "moved":
        if entry.moved_to in seen:
            raise ValueError(f"ids.txt: the moves of {exercise_id} go round in a circle: {' -> '.join(seen)}")
        seen.append(entry.moved_to)
        entry = published().get(entry.moved_to)
    if entry is not None and entry.status == "retired":
        raise KeyError(f"exercise {seen[-1]!r} was retired: this version of the course no longer checks it "
                       f"(see CHANGELOG.md)")
    return seen[-1]
