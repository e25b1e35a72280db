"""Exercises that check themselves, without giving the answer away.

In a notebook an exercise cell ends with::

    check("01_foundations.02.a", my_answer)

which shows one of three verdicts: right, wrong (with a hint), or not attempted
(the stub was left as it was).  The checks live in this package, one module per
notebook, and compare the learner's answer with what the package itself computes
(a reference implementation, a property, a tolerance), so the notebook never
contains the solution.  The worked solutions live in ``solutions/``, one module
per notebook, and ``tests/test_exercises.py`` proves every check three ways: the
solution passes, the untouched stub fails, and a stored plausible wrong answer
fails.

A check module registers each exercise with :func:`exercise`::

    @exercise("01_foundations.02.a", kind="function", hint="Softmax subtracts the max first.")
    def _(answer):
        x = torch.randn(4, 7)
        return torch.allclose(answer(x), torch.softmax(x, -1), atol=1e-6)

``kind`` says what the stub looks like: ``"value"`` stubs are ``...`` (Ellipsis),
``"function"`` stubs are functions whose body is ``...`` (they return None).

Every ID ever published is listed in ``ids.txt`` (read by :mod:`.ids`): IDs are never
renamed or reused, and ``check()`` answers the old ID of an exercise that moved.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

from . import ids

KINDS = ("value", "function")


@dataclass(frozen=True)
class Exercise:
    id: str             # "<part folder>.<notebook number>.<letter>", e.g. "01_foundations.02.a"
    kind: str           # "value" or "function": what the stub looks like
    hint: str           # shown on a wrong answer
    test: Callable[[Any], bool]


@dataclass(frozen=True)
class Verdict:
    exercise_id: str
    status: str         # "right" | "wrong" | "not attempted"
    message: str

    def __bool__(self) -> bool:
        return self.status == "right"

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return self.message


_REGISTRY: dict[str, Exercise] = {}
_BROKEN: dict[str, str] = {}     # check module -> the error that stopped its import
_LOADED = False


def exercise(exercise_id: str, *, kind: str = "value", hint: str) -> Callable:
    """Register the decorated ``test(answer) -> bool`` as the check for ``exercise_id``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")

    def register(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
        if exercise_id in _REGISTRY:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        _REGISTRY[exercise_id] = Exercise(exercise_id, kind, hint, test)
        return test

    return register


def _load_all() -> None:
    """Import every check module in this package (each registers its exercises).

    A module that fails to import is remembered, not raised: one broken chapter
    must not stop every other notebook's checks.  ``registry()`` reports it.
    """
    global _LOADED
    if not _LOADED:
        for module in pkgutil.iter_modules(__path__):
            try:
                importlib.import_module(f"{__name__}.{module.name}")
            except Exception as err:  # noqa: BLE001 -- reported by registry() and check()
                _BROKEN[module.name] = f"{type(err).__name__}: {err}"
        _LOADED = True


def registry() -> dict[str, Exercise]:
    """Every registered exercise, by id; raises ImportError if a check module is broken."""
    _load_all()
    if _BROKEN:
        raise ImportError(f"exercise check modules failed to import: {_BROKEN}")
    return dict(_REGISTRY)


def is_stub(answer: Any) -> bool:
    """True for an untouched value stub: ``...`` or ``None``.  (Function stubs are caught when called.)"""
    return answer is Ellipsis or answer is None


def _stub_aware(fn: Callable) -> Callable:
    """Wrap a learner's function so that a body left as ``...`` (returning None) reads as not attempted."""

    def wrapped(*args, **kwargs):
        result = fn(*args, **kwargs)
        if result is None:
            raise NotImplementedError
        return result

    return wrapped


def check(exercise_id: str, answer: Any) -> Verdict:
    """Check ``answer`` for the exercise ``exercise_id`` and return a verdict that displays itself."""
    _load_all()
    today = exercise_id if exercise_id in _REGISTRY else ids.resolve(exercise_id)   # an exercise that moved
    if today not in _REGISTRY:
        known = ", ".join(sorted(k for k in _REGISTRY if k.split(".")[0] == exercise_id.split(".")[0])) or "none"
        broken = f" (check modules that failed to import: {_BROKEN})" if _BROKEN else ""
        raise KeyError(f"no exercise {exercise_id!r}; exercises of that part: {known}{broken}")
    ex = _REGISTRY[today]
    if is_stub(answer):
        return Verdict(exercise_id, "not attempted", f"⏳ {exercise_id}: not attempted yet — replace the `...` and run the cell again.")
    if ex.kind == "function":
        if not callable(answer):
            return Verdict(exercise_id, "wrong", f"❌ {exercise_id}: expected a function, got {type(answer).__name__}.")
        answer = _stub_aware(answer)
    try:
        ok = bool(ex.test(answer))
    except NotImplementedError:
        return Verdict(exercise_id, "not attempted", f"⏳ {exercise_id}: not attempted yet — fill in the function body.")
    except Exception as err:  # a learner's code may fail in any way; say how, do not crash the notebook
        return Verdict(exercise_id, "wrong", f"❌ {exercise_id}: your answer raised {type(err).__name__}: {err}. Hint: {ex.hint}")
    if ok:
        return Verdict(exercise_id, "right", f"✅ {exercise_id}: right!")
    return Verdict(exercise_id, "wrong", f"❌ {exercise_id}: not yet. Hint: {ex.hint}")
