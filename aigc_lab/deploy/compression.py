"""Making a trained model smaller and faster: int8 quantisation, magnitude pruning, knowledge distillation,
and the two measurements that judge them, size and latency.

    small = quantize_int8(model)                      # every nn.Linear -> Int8Linear: int8 weights, 4x smaller
    sparse, masks = magnitude_prune(model, 0.8)       # the 80% smallest weights set to zero
    loss = distillation_loss(student(x), teacher(x), y, temperature=4.0, alpha=0.7)
    model_size_bytes(small), compressed_size_bytes(sparse), latency_ms(model, ids)

Each from-scratch piece has a library twin that ``tests/test_deploy.py`` checks it against:
``quantize_tensor_int8`` against ``torch.ao.quantization`` (``torch_dynamic_int8`` below), and
``magnitude_prune`` against ``torch.nn.utils.prune.l1_unstructured``.
"""
from __future__ import annotations

import copy
import statistics
import time
import warnings
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save as safetensors_bytes


# --------------------------------------------------------------------------- measuring
def _plain_tensors(model: nn.Module) -> dict[str, torch.Tensor]:
    """The state dict as plain tensors.  torch's own quantised layers keep (weight, bias) tuples of
    quantised tensors there; those are stored as their int8 values and their scales."""
    out = {}
    for name, value in model.state_dict().items():
        parts = value if isinstance(value, tuple) else (value,)
        for i, t in enumerate(parts):
            if not torch.is_tensor(t):
                continue                                   # e.g. the dtype entry of a quantised layer
            key = f"{name}.{i}" if isinstance(value, tuple) else name
            if t.is_quantized:
                out[key] = t.int_repr()
                out[key + ".scale"] = (t.q_per_channel_scales() if t.qscheme() in (torch.per_channel_affine,
                                       torch.per_channel_symmetric) else torch.tensor([t.q_scale()])).float()
            else:
                out[key] = t
    return {k: v.detach().cpu().contiguous() for k, v in out.items()}


def model_size_bytes(model: nn.Module) -> int:
    """Bytes of the model's weights saved as safetensors: what a server would download."""
    return len(safetensors_bytes(_plain_tensors(model)))


def compressed_size_bytes(model: nn.Module, level: int = 9) -> int:
    """The same file after zlib (what a zip archive or an HTTP transfer with gzip would carry).

    Pruning leaves the tensors' shapes alone, so the raw file keeps its size; its zeros, though,
    compress away, and this number shows it.
    """
    return len(zlib.compress(safetensors_bytes(_plain_tensors(model)), level))


@torch.inference_mode()
def latency_ms(model, inputs: torch.Tensor, *, repeats: int = 20, warmup: int = 3) -> float:
    """Median wall time of one ``model(inputs)`` call, in milliseconds.

    The median ignores the odd slow call (another process on the machine, a page fault); the
    warm-up calls are not timed (first calls allocate memory and pick kernels).  Timings vary from
    run to run and machine to machine: compare numbers taken together, never against a stored one.
    """
    for _ in range(warmup):
        model(inputs)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(inputs)
        if inputs.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


# --------------------------------------------------------------------------- int8 quantisation
def quantize_tensor_int8(w: torch.Tensor, *, per_channel: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 quantisation: ``w ~ q * scale`` with ``q`` in [-128, 127].

    scale = max|w| / 127.5 (per output row when ``per_channel``, else one for the whole tensor),
    q = clamp(round(w / scale), -128, 127), halves rounded to even.  This is torch.ao.quantization's
    symmetric qint8 convention, so ``q`` equals ``torch.quantize_per_tensor(w, scale, 0, torch.qint8)
    .int_repr()``.  The rounding error of each weight is at most scale / 2.
    """
    w = w.detach().float()
    amax = w.abs().amax(dim=1, keepdim=True) if per_channel else w.abs().amax()
    scale = (amax / 127.5).clamp(min=torch.finfo(torch.float32).eps)     # (out, 1) or ()
    # multiply by 1 / scale, as torch does, so that the ties at +-127.5 round the same way
    q = torch.clamp(torch.round(w * (1.0 / scale)), -128, 127).to(torch.int8)
    return q, scale


class Int8Linear(nn.Module):
    """A linear layer whose weights are stored as int8 with one float scale per output row.

    y = x W^T + b with W ~ q * s, computed as (x q^T) * s + b: the scale of output j multiplies
    column j after the product, so the float weight matrix is never rebuilt in full precision.
    Activations stay float ("weight-only" quantisation, what large language models mostly use).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.register_buffer("weight_int8", torch.zeros(out_features, in_features, dtype=torch.int8))
        self.register_buffer("scale", torch.ones(out_features))
        self.register_buffer("bias", torch.zeros(out_features) if bias else None)

    @classmethod
    def from_float(cls, linear: nn.Linear) -> "Int8Linear":
        layer = cls(linear.in_features, linear.out_features, linear.bias is not None)
        q, scale = quantize_tensor_int8(linear.weight, per_channel=True)
        layer.weight_int8.copy_(q)
        layer.scale.copy_(scale.squeeze(1))
        if linear.bias is not None:
            layer.bias.copy_(linear.bias.detach())
        return layer.to(linear.weight.device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.weight_int8.to(x.dtype)) * self.scale.to(x.dtype)   # (..., out)
        return y + self.bias.to(x.dtype) if self.bias is not None else y

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8 weights, per-row scales"


def quantize_int8(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with every ``nn.Linear`` replaced by an :class:`Int8Linear` (others untouched)."""
    model = copy.deepcopy(model).eval()
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if type(child) is nn.Linear:
                setattr(module, child_name, Int8Linear.from_float(child))
    return model


def torch_dynamic_int8(model: nn.Module) -> nn.Module:
    """PyTorch's own int8 dynamic quantisation of every ``nn.Linear`` (CPU only): int8 weights *and*
    activations quantised on the fly, with fbgemm / oneDNN int8 kernels.

    ``torch.ao.quantization.quantize_dynamic`` is deprecated in current PyTorch in favour of the
    separate torchao package; it still works, and this is the one place that silences its warnings.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*(deprecat|quantiz).*", category=UserWarning)
        return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model).cpu().eval(), {nn.Linear},
                                                      dtype=torch.qint8)


# --------------------------------------------------------------------------- pruning
def prunable_weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """The weight matrices pruning considers: those of every nn.Linear and nn.Embedding (not biases)."""
    return {f"{name}.weight": m.weight for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Embedding))}


def magnitude_mask(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Bool mask shaped like ``w``: False for the ``round(sparsity * w.numel())`` entries of smallest |w|."""
    k = round(sparsity * w.numel())                                   # how many to remove
    keep = torch.ones(w.numel(), dtype=torch.bool, device=w.device)
    if k:
        keep[torch.topk(w.detach().abs().flatten(), k, largest=False).indices] = False
    return keep.view_as(w)


def magnitude_prune(model: nn.Module, sparsity: float) -> tuple[nn.Module, dict[str, torch.Tensor]]:
    """A copy of ``model`` in which every prunable matrix loses the ``sparsity`` fraction of its smallest weights.

    Each layer is pruned by the same fraction ("layer-wise" magnitude pruning, torch's
    ``prune.l1_unstructured`` per layer).  One threshold for all layers together would be unfair
    here: an embedding's entries start ten or more times larger than a linear layer's, so a global
    cut would empty the linear layers first.  Returns the copy and its masks {name: bool tensor,
    True = kept}; keep applying the masks while fine-tuning (``apply_masks``), or the zeros grow back.
    """
    if not 0 <= sparsity < 1:
        raise ValueError(f"sparsity is a fraction in [0, 1), got {sparsity}")
    model = copy.deepcopy(model)
    masks = {name: magnitude_mask(w, sparsity) for name, w in prunable_weights(model).items()}
    apply_masks(model, masks)
    return model, masks


@torch.no_grad()
def apply_masks(model: nn.Module, masks: dict[str, torch.Tensor]) -> None:
    """Zero the pruned weights again (after an optimiser step has moved them)."""
    weights = prunable_weights(model)
    for name, mask in masks.items():
        weights[name].mul_(mask.to(weights[name].device))


def sparsity(model: nn.Module) -> float:
    """Fraction of the prunable weights that are exactly zero."""
    weights = prunable_weights(model).values()
    return sum((w == 0).sum().item() for w in weights) / sum(w.numel() for w in weights)


# --------------------------------------------------------------------------- knowledge distillation
def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, labels: torch.Tensor, *,
                      temperature: float = 4.0, alpha: float = 0.7) -> torch.Tensor:
    """Hinton, Vinyals and Dean (2015): match the teacher's softened probabilities, and the labels.

    loss = alpha * T^2 * KL(softmax(t / T) || softmax(s / T)) + (1 - alpha) * cross_entropy(s, y)

    A temperature T > 1 flattens both distributions, so the student also learns how the teacher
    ranks the wrong classes ("a hotel review looks more like a restaurant one than a film one").
    The T^2 keeps the soft term's gradients the same size whatever T is (they shrink as 1/T^2; section 2
    of the paper).
    """
    soft_teacher = F.log_softmax(teacher_logits.float() / temperature, dim=-1)
    soft_student = F.log_softmax(student_logits.float() / temperature, dim=-1)
    kl = F.kl_div(soft_student, soft_teacher, log_target=True, reduction="batchmean")
    return alpha * temperature ** 2 * kl + (1 - alpha) * F.cross_entropy(student_logits.float(), labels)


class Distillation(nn.Module):
    """Wraps a student and a frozen teacher so that ``train.fit`` trains the student by ``distillation_loss``.

        train.fit(Distillation(student, teacher), batches, steps=300)    # batches give (inputs, labels)

    Only the student's parameters are registered for training: the teacher is held outside the
    module tree (in a tuple), so the optimiser never sees it, and it runs in eval mode without
    gradients.  It is moved to the device of each batch (so it ends where the student trained).
    """

    def __init__(self, student: nn.Module, teacher: nn.Module, *, temperature: float = 4.0, alpha: float = 0.7):
        super().__init__()
        self.student = student
        self._teacher = (teacher.eval(),)
        self.temperature, self.alpha = temperature, alpha

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.student(x)

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        teacher = self._teacher[0]
        with torch.no_grad():
            teacher_logits = teacher.to(x.device)(x)
        return distillation_loss(self.student(x), teacher_logits, y, temperature=self.temperature, alpha=self.alpha)


# --------------------------------------------------------------------------- one table for all variants
def nonzero_weights(model: nn.Module) -> int:
    """How many stored numbers are not zero (pruning lowers it; quantisation does not)."""
    return sum(int(torch.count_nonzero(t)) for k, t in _plain_tensors(model).items() if not k.endswith("scale"))


@torch.inference_mode()
def compare(models: dict[str, nn.Module], x: torch.Tensor, y: torch.Tensor, *, batch: int = 256,
            repeats: int = 20) -> list[dict]:
    """Size, latency and accuracy of each model on the CPU, one row (a dict) per model.

    bytes        safetensors file of the weights        zlib_bytes  the same, compressed
    ms_batch     median time for ``batch`` inputs       ms_one      median time for a single input
    accuracy     on (x, y)                              nonzero     stored numbers that are not zero
    """
    x, y = x.cpu(), y.cpu()
    rows = []
    for name, model in models.items():
        model = model.cpu().eval()
        rows.append({
            "model": name,
            "nonzero": nonzero_weights(model),
            "bytes": model_size_bytes(model),
            "zlib_bytes": compressed_size_bytes(model),
            "ms_batch": latency_ms(model, x[:batch], repeats=repeats),
            "ms_one": latency_ms(model, x[:1], repeats=repeats),
            "accuracy": (model(x).argmax(dim=-1) == y).float().mean().item(),
        })
    return rows


def markdown_table(rows: list[dict]) -> str:
    """The rows of ``compare`` as a Markdown table (sizes in kB, times in ms)."""
    lines = ["| model | non-zero weights | safetensors kB | zipped kB | ms per batch | ms per sentence | accuracy |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['nonzero']:,} | {r['bytes'] / 1000:.1f} | {r['zlib_bytes'] / 1000:.1f} | "
                     f"{r['ms_batch']:.2f} | {r['ms_one']:.3f} | {r['accuracy']:.1%} |")
    return "\n".join(lines)
