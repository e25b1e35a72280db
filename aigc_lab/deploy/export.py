"""Handing a trained model to something that is not this notebook: a program file, and ONNX where installed.

    program = export_program(model, example_ids)      # torch.export: the forward pass as a graph
    save_program(program, "model.pt2"); load_program("model.pt2").module()(ids)
    path = export_onnx(model, example_ids, "model.onnx")   # None unless the optional onnx packages are installed
    run_onnx(path, ids)                                    # None unless onnxruntime is installed

Weights alone (``aigc_lab.checkpoint``, safetensors) need the model's Python class to be used;
an exported program carries the computation too, so a server (or a phone runtime, or another
language) can run it without this package.  ONNX is the format other frameworks and runtimes
read; its packages are an optional extra (``pip install -e .[deploy]``), so the functions that
need them return None when they are missing instead of failing.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import warnings
from pathlib import Path

import torch

MAX_BATCH = 4096


def available(package: str) -> bool:
    """Whether an optional package can be imported here (without importing it)."""
    return importlib.util.find_spec(package) is not None


def export_program(model: torch.nn.Module, example: torch.Tensor, *, dynamic_batch: bool = True):
    """``torch.export`` the model's forward pass for inputs shaped like ``example``.

    The batch dimension is left free (1 to MAX_BATCH) when ``dynamic_batch``; every other dimension
    is fixed to the example's, so inputs must be padded to the same length, as ``TextPipeline`` does.
    Use an example with a batch of at least 2: export treats a size-1 dimension as a constant.
    """
    model = model.eval()
    shapes = None
    if dynamic_batch:
        shapes = ({0: torch.export.Dim("batch", min=1, max=MAX_BATCH)},)
    with torch.no_grad():
        return torch.export.export(model, (example,), dynamic_shapes=shapes)


def save_program(program, path: str | os.PathLike) -> Path:
    torch.export.save(program, str(path))
    return Path(path)


def load_program(path: str | os.PathLike):
    """The saved ExportedProgram; ``.module()`` gives a callable module."""
    return torch.export.load(str(path))


def export_onnx(model: torch.nn.Module, example: torch.Tensor, path: str | os.PathLike) -> Path | None:
    """Write the model as ONNX (through torch.export), or return None when onnx / onnxscript are missing."""
    if not (available("onnx") and available("onnxscript")):
        return None
    model = model.eval()
    chatty = logging.getLogger("torch.onnx")    # the exporter logs every optional operator it skips
    level = chatty.level
    chatty.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (example,), str(path), dynamo=True, input_names=["ids"], output_names=["logits"],
                              dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=MAX_BATCH)},), verbose=False)
    finally:
        chatty.setLevel(level)
    return Path(path)


def run_onnx(path: str | os.PathLike | None, ids: torch.Tensor) -> torch.Tensor | None:
    """Run an ONNX file with onnxruntime on the CPU; None when onnxruntime (or the file) is missing."""
    if path is None or not available("onnxruntime"):
        return None
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return torch.from_numpy(session.run(None, {name: ids.cpu().numpy()})[0])
