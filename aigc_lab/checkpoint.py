"""Checkpoints that cannot run code and cannot be half-written.

A checkpoint is a folder::

    DIR/state.json                                  which files are current, their sha256, step, config, extras
    DIR/model-000123-<hash>.safetensors             weights (safetensors: plain tensors, never pickle)
    DIR/optimizer-000123-<hash>.safetensors         optimizer tensors (its scalars live in state.json)
    DIR/tensors-000123-<hash>.safetensors           other tensors a trainer keeps (random states, an EMA)

Why this layout: every file is written to a temporary name, flushed to disk and renamed
into place (a rename is atomic on one file system), and the folder itself is flushed
after each rename so that the new name survives a power cut.  Each file is named by its
step *and the hash of its content*, so a new save never overwrites a file the current
``state.json`` points to, even when it reuses a step number with different weights.
``state.json`` is replaced last; a crash at any moment leaves either the old checkpoint
or the new one, never a mix.  Files of other saves (and temporary files a killed save
left behind) are removed only after the new ``state.json`` is in place.

Loading reads JSON and safetensors only (``torch.load`` can execute arbitrary
code hidden in a pickle), verifies checksums, and raises :class:`CheckpointError`
with a clear message on anything corrupt or foreign, touching no file.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

FORMAT = "aigc_lab.checkpoint/1"
STATE_FILE = "state.json"
ROLES = ("model", "optimizer", "tensors")   # the safetensors files a save writes, each named ROLE-STEP-HASH


class CheckpointError(RuntimeError):
    """A checkpoint is missing, corrupt, or not one of ours."""


# --------------------------------------------------------------------------- writing
def _fsync_directory(directory: Path) -> None:
    """Flush a folder's entries (its renames) to disk; Windows cannot open a folder, and needs no such call."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_then_rename(directory: Path, prefix: str, write, final_name) -> str:
    """Call ``write(tmp_path)``, flush it, rename it to ``final_name(tmp_path)`` and flush the folder.

    ``final_name`` is a function of the written file, so that a name can carry the content's hash.
    """
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{prefix}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        name = final_name(tmp)
        os.replace(tmp, directory / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)
    return name


def _save_tensors(directory: Path, role: str, step: int, tensors: dict[str, torch.Tensor]) -> dict:
    """Write one safetensors file named by role, step and content hash; return its state.json entry."""
    entry = {}

    def name_by_content(tmp: str) -> str:
        entry["sha256"] = _sha256(Path(tmp))
        return f"{role}-{step:06d}-{entry['sha256'][:16]}.safetensors"

    entry["name"] = _write_then_rename(directory, role, lambda tmp: save_file(tensors, tmp), name_by_content)
    return {"name": entry["name"], "sha256": entry["sha256"]}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _split_optimizer_state(state_dict: dict) -> tuple[dict[str, torch.Tensor], dict]:
    """Optimizer state -> (flat tensors for safetensors, JSON-able remainder)."""
    tensors, scalars = {}, {}
    for index, slots in state_dict["state"].items():
        for name, value in slots.items():
            if torch.is_tensor(value):
                tensors[f"{index}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{index}.{name}"] = value
    return tensors, {"param_groups": state_dict["param_groups"], "scalars": scalars}


def _join_optimizer_state(tensors: dict[str, torch.Tensor], rest: dict) -> dict:
    state: dict[int, dict[str, Any]] = {}
    for key, value in list(tensors.items()) + list(rest["scalars"].items()):
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    return {"state": state, "param_groups": rest["param_groups"]}


def save(directory: str | os.PathLike, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None = None,
         *, step: int = 0, config: dict | None = None, extra: dict | None = None,
         tensors: dict[str, torch.Tensor] | None = None) -> Path:
    """Save ``model`` (and ``optimizer``) at ``step`` into ``directory`` atomically; return the folder.

    ``extra`` is JSON-able; ``tensors`` ({name: tensor}) go into their own safetensors file, and
    :func:`load` returns them as ``state["tensors"]``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = {}

    weights, aliases = _untie(model.state_dict())
    files["model"] = _save_tensors(directory, "model", step, weights)

    optimizer_rest = None
    if optimizer is not None:
        optimizer_tensors, optimizer_rest = _split_optimizer_state(optimizer.state_dict())
        files["optimizer"] = _save_tensors(directory, "optimizer", step, optimizer_tensors)
    if tensors:   # cloned: safetensors refuses tensors that share memory (a hook's tied weights)
        files["tensors"] = _save_tensors(directory, "tensors", step,
                                         {k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()})

    state = {
        "format": FORMAT,
        "step": step,
        "files": files,
        "optimizer": optimizer_rest,
        "aliases": aliases,
        "config": config or {},
        "extra": extra or {},
    }
    text = json.dumps(state, indent=1, default=_json_default)
    _write_then_rename(directory, STATE_FILE, lambda tmp: Path(tmp).write_text(text), lambda tmp: STATE_FILE)

    # Only now is it safe to drop the files of other saves, and what killed saves left half-written.
    current = {f["name"] for f in files.values()}
    ours = [directory.glob(f"{role}-*.safetensors") for role in ROLES]
    stale = [directory.glob(f".{prefix}.*.tmp") for prefix in (*ROLES, STATE_FILE)]
    for old in itertools.chain(*ours, *stale):
        if old.name not in current:
            old.unlink(missing_ok=True)
    return directory


def _untie(state_dict: dict) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Store each shared tensor once (safetensors refuses duplicates), e.g. a GPT's tied embedding and head.

    Returns the tensors to save and {alias name: stored name} to restore the ties on load.
    """
    weights, aliases, seen = {}, {}, {}
    for name, tensor in state_dict.items():
        key = (tensor.device, tensor.untyped_storage().data_ptr(), tensor.storage_offset(), tuple(tensor.shape))
        if key in seen:
            aliases[name] = seen[key]
        else:
            seen[key] = name
            weights[name] = tensor.detach().cpu().contiguous()
    return weights, aliases


def _json_default(value):
    if torch.is_tensor(value) and value.numel() == 1:
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    if hasattr(value, "item"):
        return value.item()
    return str(value)


# --------------------------------------------------------------------------- reading
def read_state(directory: str | os.PathLike) -> dict:
    """The parsed ``state.json`` of a checkpoint, validated; raises CheckpointError."""
    directory = Path(directory)
    path = directory / STATE_FILE
    if not directory.exists():
        raise CheckpointError(f"no checkpoint at {directory}: the folder does not exist")
    if not path.is_file():
        raise CheckpointError(f"{directory} is not an aigc_lab checkpoint: it has no {STATE_FILE}")
    try:
        state = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path} is corrupt (not valid JSON: {err}); the files were left untouched") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an aigc_lab checkpoint (expected format {FORMAT!r})")
    for role, entry in state["files"].items():
        file = directory / entry["name"]
        if not file.is_file():
            raise CheckpointError(f"checkpoint {directory} is incomplete: its {role} file {entry['name']} is missing")
        if _sha256(file) != entry["sha256"]:
            raise CheckpointError(
                f"checkpoint {directory} is corrupt: {entry['name']} does not match its recorded checksum; "
                "the files were left untouched"
            )
    return state


def _load_tensors(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(path)
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{path} is not a readable safetensors file: {err}") from None


def load(directory: str | os.PathLike, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None = None,
         *, map_location: str | torch.device = "cpu") -> dict:
    """Load weights (and optimizer state) saved by :func:`save` into ``model``; return the state dict.

    The returned dict is ``state.json``'s content, plus ``"tensors"`` when the save had any.
    """
    directory = Path(directory)
    state = read_state(directory)
    weights = _load_tensors(directory / state["files"]["model"]["name"])
    for alias, stored in state.get("aliases", {}).items():
        weights[alias] = weights[stored]
    try:
        model.load_state_dict({k: v.to(map_location) for k, v in weights.items()})
    except RuntimeError as err:
        raise CheckpointError(f"checkpoint {directory} does not fit this model: {err}") from None
    if optimizer is not None:
        if "optimizer" not in state["files"]:
            raise CheckpointError(f"checkpoint {directory} holds no optimizer state to resume from")
        tensors = _load_tensors(directory / state["files"]["optimizer"]["name"])
        optimizer.load_state_dict(_join_optimizer_state(tensors, state["optimizer"]))
    if "tensors" in state["files"]:
        state["tensors"] = _load_tensors(directory / state["files"]["tensors"]["name"])
    return state
