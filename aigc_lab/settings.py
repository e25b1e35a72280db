"""The base of every recipe's settings: a typed dataclass that can also be read like a dict.

Each recipe (``image/diffusion_recipe.py``, ``speech/recognition_recipe.py`` ...) declares its sizes as a
dataclass with one comment per field, and a function that fills it in for the active profile::

    @dataclass
    class DiffusionSettings(Settings):
        steps: int            # optimiser steps
        lr: float

    def diffusion_settings() -> DiffusionSettings:
        return DiffusionSettings(steps=runtime.pick(smoke=100, cpu=2000, gpu=6000), lr=2e-3)

    s = diffusion_settings()
    s.steps, s["steps"]              # the same number: notebooks written for dicts keep working
    s.replace(steps=10)              # a changed copy (``dataclasses.replace``)

Unknown names fail (``s["stepz"]`` raises ``KeyError``), which a plain dict would not catch.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterator


@dataclasses.dataclass
class Settings:
    def _check(self, name: str) -> None:
        if name not in self.keys():
            raise KeyError(f"{type(self).__name__} has no setting {name!r}; it has {', '.join(self.keys())}")

    def __getitem__(self, name: str) -> Any:
        self._check(name)
        return getattr(self, name)

    def __setitem__(self, name: str, value: Any) -> None:
        self._check(name)
        setattr(self, name, value)

    def __contains__(self, name: object) -> bool:
        return name in self.keys()

    def keys(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self)]

    def values(self) -> list[Any]:
        return [getattr(self, k) for k in self.keys()]

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((k, getattr(self, k)) for k in self.keys())

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name) if name in self.keys() else default

    def replace(self, **changes: Any):
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)
