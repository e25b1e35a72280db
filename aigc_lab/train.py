"""One flat training loop for every model in the course.

The contract is a single method: ``model.loss(batch) -> scalar tensor``.  Sampling
never lives here; each model has its own named sampler or ``generate``.

    history = fit(model, data, steps=2000, lr=3e-3, max_seconds=60)      # a step schedule, stopped at 60 s
    history = fit(model, data, steps=None, lr=3e-3, max_seconds=60)      # a schedule that fills 60 s exactly
    viz.loss_curve(history)

``data`` is either a callable returning a fresh batch (``lambda: corpus.batch(64)``)
or an iterable of batches (a list, a DataLoader), which is cycled.

Read ``fit`` top to bottom: set-up, then one ``for`` loop whose body is
batch -> forward under autocast -> backward -> clip -> step, then logging,
evaluation and checkpoints.  One hook, ``on_step_end(step, model)``, at the step
boundary, is the only extension point.

With ``checkpoint_dir`` a run survives being stopped: it saves every ``checkpoint_seconds``,
on Ctrl-C and on SIGTERM, and ``resume=True`` continues it exactly (weights, optimiser, the
place in the batch stream, every random generator, an EMA hook's average), as if it had never stopped.

Launched by ``torchrun`` with more than one process, the same call trains data-parallel
(see ``aigc_lab.distributed``): DDP averages gradients, each process takes its own share
of the batches, and only rank 0 prints, evaluates and saves.
"""
from __future__ import annotations

import contextlib
import itertools
import math
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import torch
from tqdm.auto import tqdm

from . import checkpoint, distributed, runtime


@dataclass
class History:
    """What ``fit`` returns: losses by step, evaluations, time, and why it stopped."""

    steps: list[int] = field(default_factory=list)        # step of each logged train loss
    train_loss: list[float] = field(default_factory=list)  # mean loss since the previous log
    lr: list[float] = field(default_factory=list)          # learning rate of the last step before each log
    evals: list[dict] = field(default_factory=list)        # {"step": s, **metrics}
    seconds: float = 0.0
    warmup_seconds: float | None = None                    # training time when the warm-up ended (a time cap's
                                                           # share of the cosine is measured from there)
    step: int = 0                                          # last completed step
    stopped: str = ""                                      # "steps" | "time" | "interrupted" | "terminated"

    @property
    def final_loss(self) -> float:
        return self.train_loss[-1] if self.train_loss else math.nan


def to_device(batch: Any, dev: torch.device) -> Any:
    """Move every tensor inside a batch (tensor, tuple, list or dict) to ``dev``."""
    if torch.is_tensor(batch):
        return batch.to(dev, non_blocking=True)
    if isinstance(batch, dict):
        return {k: to_device(v, dev) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(v, dev) for v in batch)
    return batch


def cosine(progress: float, *, lr: float, min_lr_ratio: float = 0.1) -> float:
    """Half a cosine from ``lr`` at progress 0 down to ``min_lr_ratio * lr`` at progress 1 (and after)."""
    progress = min(1.0, progress)
    return lr * (min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def lr_at(step: int, *, lr: float, warmup: int, total: int, min_lr_ratio: float = 0.1,
          time_used: float = 0.0) -> float:
    """Linear warm-up for ``warmup`` steps, then cosine decay to ``min_lr_ratio * lr`` at ``total``.

    ``time_used``: the fraction of a time cap spent since the warm-up ended. A step plan with a time cap
    follows whichever budget is nearer its end, so a run that a busy machine cuts short by its cap still
    decays fully; a run whose steps fit in the cap at a steady pace keeps its step schedule (its time
    fraction stays below its step fraction).
    """
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return cosine(max(progress, time_used), lr=lr, min_lr_ratio=min_lr_ratio)


def lr_at_time(step: int, seconds: float, *, lr: float, warmup: int, max_seconds: float,
               min_lr_ratio: float = 0.1) -> float:
    """Linear warm-up for ``warmup`` steps, then cosine decay over the fraction of the time budget used.

    ``seconds`` is the training time so far (of the whole run, across resumes); the rate reaches its
    floor ``min_lr_ratio * lr`` when it reaches ``max_seconds``. A step plan guessed from a timing probe
    cuts the cosine short on a machine slower than the probe, or ends early on a faster one; this
    schedule decays fully and fills the budget however busy the machine is. The warm-up's own time
    counts towards the budget (it is short), so the cosine starts a little way along.
    """
    if step < warmup:
        return lr * (step + 1) / warmup
    return cosine(seconds / max_seconds, lr=lr, min_lr_ratio=min_lr_ratio)


def _batches(data) -> Callable[[], Any]:
    if callable(data):
        return data
    if isinstance(data, Iterable):
        stream = itertools.chain.from_iterable(itertools.repeat(data))  # cycles a re-iterable
        return lambda: next(stream)
    raise TypeError(f"data must be a callable returning a batch or an iterable of batches, not {type(data).__name__}")


def random_state() -> tuple[dict, dict[str, torch.Tensor]]:
    """Every global random generator a training step may draw from (dropout, data, augmentation):
    torch's CPU and CUDA generators, Python's ``random`` and NumPy's, as (JSON-able part, tensors)."""
    version, words, gauss = random.getstate()
    kind, keys, position, has_gauss, cached = np.random.get_state()
    tensors = {"rng.torch": torch.get_rng_state(),
               "rng.python": torch.tensor(words, dtype=torch.int64),                # 625 words of Mersenne Twister
               "rng.numpy": torch.from_numpy(keys.astype(np.int64))}               # 624 words
    if torch.cuda.is_available() and torch.cuda.is_initialized():                  # never start CUDA just for this
        tensors.update({f"rng.cuda.{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())})
    return {"python": [version, gauss], "numpy": [kind, int(position), int(has_gauss), float(cached)]}, tensors


def set_random_state(scalars: dict, tensors: dict[str, torch.Tensor]) -> None:
    """Put back what :func:`random_state` returned."""
    torch.set_rng_state(tensors["rng.torch"])
    version, gauss = scalars["python"]
    random.setstate((version, tuple(int(w) for w in tensors["rng.python"]), gauss))
    kind, position, has_gauss, cached = scalars["numpy"]
    np.random.set_state((kind, tensors["rng.numpy"].numpy().astype(np.uint32), position, has_gauss, cached))
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            if f"rng.cuda.{i}" in tensors:
                torch.cuda.set_rng_state(tensors[f"rng.cuda.{i}"], i)


@contextlib.contextmanager
def _sigterm_requests_a_stop():
    """While ``fit`` runs, SIGTERM (a container stop, a closed terminal, ``kill``) does not kill the process
    but asks the loop to stop at the next step boundary, where it saves. Python lets only the main thread
    install handlers; elsewhere SIGTERM keeps its usual effect. The previous handler comes back after."""
    request = {"stop": False}
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: request.update(stop=True))
    try:
        yield request
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def fit(
    model: torch.nn.Module,
    data,
    *,
    steps: int | None,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    warmup: int = 0,
    min_lr_ratio: float = 0.1,
    grad_clip: float | None = 1.0,
    max_seconds: float | None = None,
    device: torch.device | str | None = None,
    amp: bool | None = None,
    eval_fn: Callable[[torch.nn.Module], dict] | None = None,
    eval_every: int = 0,
    log_every: int = 20,
    checkpoint_dir: str | Path | None = None,
    checkpoint_every: int = 0,
    checkpoint_seconds: float | None = 60.0,
    resume: bool = False,
    config: dict | None = None,
    on_step_end: Callable[[int, torch.nn.Module], None] | None = None,
    progress: bool = True,
) -> History:
    """Train ``model`` by AdamW on ``model.loss(batch)``; return a :class:`History`.

    steps          total optimiser steps: the length of the step schedule (warm-up, then cosine to the end)
    max_seconds    stop after this much training time, counted over the whole run: a resumed run
                   continues the clock of the run it resumes ("train for 60 s" means 60 s in all). With
                   ``steps`` too, the cosine follows whichever budget is nearer its end, so a step plan that a
                   busy machine cuts short by this cap still ends at ``min_lr_ratio * lr``
    steps=None     a time-budgeted run: train until ``max_seconds`` is used, with the learning rate
                   warming up for ``warmup`` steps and then following a cosine over the *fraction of the
                   time budget used* (:func:`lr_at_time`), so that it reaches ``min_lr_ratio * lr`` just as
                   the budget ends, however fast or loaded the machine. No step plan, no timing probe::

                       history = fit(model, data, steps=None, max_seconds=240, lr=3e-3, warmup=100)
                       history.stopped, history.lr[-1]      # "time", 3e-4
    amp            bf16 autocast; default on for CUDA, off for CPU
    eval_fn        ``eval_fn(model) -> {"name": value}``, called every ``eval_every`` steps and at the end
    checkpoint_dir save there at the end, every ``checkpoint_every`` steps, every ``checkpoint_seconds``
                   of training, on Ctrl-C and on SIGTERM (which stops the run cleanly: ``stopped="terminated"``)
    resume         continue from the checkpoint in ``checkpoint_dir`` if there is one: the weights, the
                   optimiser, the history, the random generators and the place in the batch stream, so that
                   stop-then-resume trains exactly as one uninterrupted run. Pass a fresh ``data`` stream (as a
                   new process builds it): fit discards the batches the checkpointed steps used.
    on_step_end    ``on_step_end(step, model)`` after every step; if it (or the object it is a method of, as in
                   ``on_step_end=ema.update``) has ``state_dict``/``load_state_dict``, that state is checkpointed too
    Under ``torchrun`` (WORLD_SIZE > 1) it trains data-parallel; ``steps`` counts each process's steps.
    """
    if not callable(getattr(model, "loss", None)):
        raise TypeError(
            f"{type(model).__name__} cannot be trained by fit: it needs a method "
            "`loss(self, batch) -> scalar tensor` (the course's one training convention)."
        )
    if steps is None and max_seconds is None:
        raise ValueError("steps=None trains to a time budget: give max_seconds, or give steps")
    if steps is not None and steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    where = distributed.place()
    next_batch = distributed.shard(_batches(data), where)

    # ---- where and how: one visible place for device and precision (and, under torchrun, the process group)
    dev = runtime.device(device) if not isinstance(device, torch.device) else device
    if where.distributed:
        dev = distributed.join(where, dev)
    model.to(dev)
    # the module that runs the forward pass: the model itself, or DDP around it so backward averages gradients
    step_module = (torch.nn.parallel.DistributedDataParallel(distributed.LossModule(model))
                   if where.distributed else None)
    precision = runtime.autocast(dev, enabled=amp)
    fused = dev.type == "cuda"  # fused AdamW: one kernel for the whole update on CUDA
    decay = [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]   # matrices decay,
    no_decay = [p for p in model.parameters() if p.requires_grad and p.dim() < 2]  # biases and norms do not
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=lr, betas=(0.9, 0.95), fused=fused,
    )

    # A hook that keeps state of its own (an EMA's average) is saved and restored with the checkpoint:
    # the hook itself, or the object whose method it is (``on_step_end=ema.update``), if it has
    # ``state_dict()`` and ``load_state_dict()``.
    keeper = getattr(on_step_end, "__self__", on_step_end)
    if not (callable(getattr(keeper, "state_dict", None)) and callable(getattr(keeper, "load_state_dict", None))):
        keeper = None

    history, start_step = History(), 0
    if resume and checkpoint_dir is not None and (Path(checkpoint_dir) / checkpoint.STATE_FILE).exists():
        state = checkpoint.load(checkpoint_dir, model, optimizer, map_location=dev)
        start_step = state["step"]
        history = History(**state["extra"].get("history", {}))
        # Continue the batch stream where the checkpoint left it: draw and throw away the batches its
        # steps used, one per step (cheap for the course's generators). Then restore the random
        # generators, so they are exactly where the stopped run had them, whatever the throwing away drew.
        for _ in range(start_step):
            next_batch()
        if "random" in state["extra"]:
            set_random_state(state["extra"]["random"], state["tensors"])
        saved_hook = {k[len("hook."):]: v for k, v in state.get("tensors", {}).items() if k.startswith("hook.")}
        if keeper is not None and saved_hook:       # a checkpoint from before hooks were saved has none
            keeper.load_state_dict(saved_hook)

    def save(step: int) -> None:
        if checkpoint_dir is not None and where.is_main:
            scalars, tensors = random_state()
            if keeper is not None:
                tensors.update({f"hook.{k}": v for k, v in keeper.state_dict().items()})
            checkpoint.save(checkpoint_dir, model, optimizer, step=step, config=config,
                            extra={"history": vars(history), "random": scalars}, tensors=tensors)

    def evaluate(step: int) -> None:
        if not where.is_main:
            return
        model.eval()
        with torch.no_grad(), precision:
            metrics = {k: float(v) for k, v in eval_fn(model).items()}
        model.train()
        history.evals.append({"step": step, **metrics})
        bar.set_postfix(loss=f"{history.final_loss:.4f}", **{k: f"{v:.4f}" for k, v in metrics.items()})

    # ---- the loop
    model.train()
    bar = tqdm(total=steps, initial=start_step, disable=not (progress and where.is_main), desc=type(model).__name__)
    running = torch.zeros((), device=dev)  # summed on the device: no host sync per step
    since_log, step, started = 0, start_step, time.perf_counter()
    seconds_before, last_save = history.seconds, started   # max_seconds counts the time of earlier runs too
    # The clock the schedule and the time limit read. Under torchrun the processes agree on one clock
    # at log steps, so that their learning rates stay equal and they all stop at the same step.
    clock, stop_requested = history.seconds, False
    history.stopped = "steps"
    with _sigterm_requests_a_stop() as sigterm:
        try:
            for step in range(start_step, steps) if steps is not None else itertools.count(start_step):
                if max_seconds is not None and clock >= max_seconds:
                    history.stopped = "time"
                    break
                if stop_requested:
                    history.stopped = "terminated"
                    break
                if steps is not None:
                    if history.warmup_seconds is None and step >= warmup:
                        history.warmup_seconds = clock             # the cosine's clock starts after the warm-up
                    time_used = 0.0
                    if max_seconds is not None and history.warmup_seconds is not None \
                            and max_seconds > history.warmup_seconds:
                        time_used = (clock - history.warmup_seconds) / (max_seconds - history.warmup_seconds)
                    rate = lr_at(step, lr=lr, warmup=warmup, total=steps, min_lr_ratio=min_lr_ratio,
                                 time_used=time_used)
                else:
                    rate = lr_at_time(step, clock, lr=lr, warmup=warmup, max_seconds=max_seconds,
                                      min_lr_ratio=min_lr_ratio)
                for group in optimizer.param_groups:
                    group["lr"] = rate
                batch = to_device(next_batch(), dev)
                with precision:
                    loss = model.loss(batch) if step_module is None else step_module(batch)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if grad_clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                optimizer.step()
                running += loss.detach().float()
                since_log += 1
                history.step = step + 1
                now = time.perf_counter()
                history.seconds = seconds_before + now - started

                if (step + 1) % log_every == 0 or step + 1 == steps:  # the only host sync
                    history.steps.append(step + 1)
                    history.train_loss.append(distributed.mean_across(running).item() / since_log)
                    history.lr.append(rate)
                    running.zero_()
                    bar.update(since_log)
                    bar.set_postfix(loss=f"{history.final_loss:.4f}")
                    since_log = 0
                if eval_fn is not None and eval_every and (step + 1) % eval_every == 0:
                    evaluate(step + 1)
                if ((checkpoint_every and (step + 1) % checkpoint_every == 0)
                        or (checkpoint_seconds and now - last_save >= checkpoint_seconds)):  # a kill loses at most this
                    save(step + 1)
                    last_save = time.perf_counter()
                if on_step_end is not None:
                    on_step_end(step + 1, model)
                if not where.distributed:
                    clock, stop_requested = seconds_before + time.perf_counter() - started, sigterm["stop"]
                elif since_log == 0:
                    clock = distributed.mean_across(torch.tensor(history.seconds, device=dev)).item()
                    stop_requested = distributed.any_across(sigterm["stop"], dev)
        except KeyboardInterrupt:
            history.stopped = "interrupted"
        finally:
            if since_log:  # flush a partial logging window
                history.steps.append(history.step)
                history.train_loss.append(distributed.mean_across(running).item() / since_log)
                history.lr.append(rate)
                bar.update(since_log)
            history.seconds = seconds_before + time.perf_counter() - started
            bar.close()
        stopped_early = history.stopped in ("interrupted", "terminated")
        if eval_fn is not None and not stopped_early and (not history.evals or history.evals[-1]["step"] != history.step):
            evaluate(history.step)
        save(history.step)
    model.eval()
    return history


class EMA:
    """An exponential moving average of a model's weights: the copy that diffusion models and GANs sample from.

    The weights of a model trained with a noisy loss (a denoiser) or in a game (a GAN's generator) wander
    around a good solution; their running average sits nearer its centre and gives visibly cleaner samples
    (Ho et al. 2020, appendix B, use a decay of 0.9999; Karras et al. 2018 and Yazici et al. 2019 for GANs).
    After each optimiser step, every averaged weight moves a fraction ``1 - decay`` of the way to the model's:

        avg <- decay * avg + (1 - decay) * weight

    Early on the decay is capped at (1 + step) / (10 + step), so that the average forgets the random
    initial weights quickly (a warm-up). Buffers (batch-norm statistics) are copied, not averaged.
    Use it as ``fit``'s hook:

        ema = EMA(model, decay=0.999)
        fit(model, batches, steps=..., on_step_end=ema.update)
        sampler.sample(ema.model, ...)

    ``fit`` saves the average with its checkpoints and restores it on ``resume=True`` (through
    ``state_dict`` / ``load_state_dict``), so build the EMA before calling ``fit``, as above.
    """

    def __init__(self, model: torch.nn.Module, decay: float = 0.999):
        import copy

        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {decay}")
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    def decay_at(self, step: int) -> float:
        """The decay used after optimiser step ``step`` (1, 2, ...): the warm-up cap, then ``decay``."""
        return min(self.decay, (1 + step) / (10 + step))

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The averaged weights and copied buffers by name (a shared, tied weight appears once)."""
        return dict(itertools.chain(self.model.named_parameters(), self.model.named_buffers()))

    @torch.no_grad()
    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        mine = self.state_dict()
        if mine.keys() != state.keys():
            raise ValueError(f"this EMA averages {sorted(mine)}, the saved one {sorted(state)}")
        for name, tensor in mine.items():
            tensor.copy_(state[name])

    @torch.no_grad()
    def update(self, step: int, model: torch.nn.Module) -> None:
        decay = self.decay_at(step)
        device = next(model.parameters()).device
        if next(self.model.parameters()).device != device:                  # fit moved the model: follow it
            self.model.to(device)
        for mine, theirs in zip(self.model.parameters(), model.parameters()):
            mine.lerp_(theirs.detach(), 1 - decay)                           # mine + (1 - decay) (theirs - mine)
        for mine, theirs in zip(self.model.buffers(), model.buffers()):
            mine.copy_(theirs)
