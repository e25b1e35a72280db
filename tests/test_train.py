"""The fit loop: it must learn, respect budgets, checkpoint, resume and reject bad models."""
import json
import math
import os
import subprocess
import sys
import time

import pytest
import torch
import torch.nn.functional as F

from aigc_lab import checkpoint, train
from aigc_lab.data.image import load_digits, shuffled_batches
from conftest import ROOT
from aigc_lab.image.mlp import MLPClassifier, MLPConfig


class Regressor(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))

    def loss(self, batch):
        x, y = batch
        return F.mse_loss(self.net(x).squeeze(-1), y)


def regression_data(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = torch.sin(x[:, 0]) + 0.5 * x[:, 1]
    return x, y


def test_tiny_model_learns_beyond_the_mean_baseline():
    x, y = regression_data()
    torch.manual_seed(0)
    model = Regressor()
    history = train.fit(model, [(x, y)], steps=300, lr=1e-2, device="cpu", progress=False)
    assert history.final_loss < 0.1 * y.var().item()   # a bias alone cannot get below var(y)
    assert history.stopped == "steps" and history.step == 300


def test_classifier_beats_majority_by_20_points():
    digits = load_digits(8)
    torch.manual_seed(0)
    model = MLPClassifier(MLPConfig(in_features=64, hidden=32))
    train.fit(model, shuffled_batches(digits.x_train, digits.y_train, 64), steps=150, lr=3e-3, device="cpu", progress=False)
    accuracy = (model.predict(digits.x_test) == digits.y_test).float().mean().item()
    majority = (digits.y_test == torch.bincount(digits.y_train).argmax()).float().mean().item()
    assert accuracy > majority + 0.20


def test_model_without_loss_gets_a_clear_type_error():
    with pytest.raises(TypeError, match=r"loss\(self, batch\)"):
        train.fit(torch.nn.Linear(2, 2), [torch.zeros(1)], steps=1, device="cpu", progress=False)


def test_bad_data_gets_a_clear_type_error():
    with pytest.raises(TypeError, match="callable returning a batch"):
        train.fit(Regressor(), 42, steps=1, device="cpu", progress=False)


def test_time_budget_stops_early():
    x, y = regression_data()
    history = train.fit(Regressor(), [(x, y)], steps=10**6, max_seconds=0.5, device="cpu", progress=False)
    assert history.stopped == "time" and history.step < 10**6 and history.seconds < 5


def test_schedule_warms_up_then_decays():
    lrs = [train.lr_at(s, lr=1.0, warmup=10, total=100) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[-1] < 0.2 and all(a >= b for a, b in zip(lrs[10:], lrs[11:]))


def test_eval_and_checkpoint_and_resume_continue_the_same_run(tmp_path):
    x, y = regression_data()
    data = [(x, y)]
    evaluate = lambda m: {"val": m.loss((x, y)).item()}  # noqa: E731

    torch.manual_seed(0)
    straight = Regressor()
    full = train.fit(straight, data, steps=40, lr=1e-2, device="cpu", progress=False, log_every=10)

    torch.manual_seed(0)
    first = Regressor()
    train.fit(first, data, steps=40, lr=1e-2, device="cpu", progress=False, log_every=10,
              max_seconds=None, checkpoint_dir=tmp_path, checkpoint_every=20, on_step_end=_stop_at(20))
    state = checkpoint.read_state(tmp_path)
    assert state["step"] == 20
    resumed = Regressor()
    history = train.fit(resumed, data, steps=40, lr=1e-2, device="cpu", progress=False, log_every=10,
                        checkpoint_dir=tmp_path, resume=True, eval_fn=evaluate, eval_every=10)
    assert history.step == 40 and checkpoint.read_state(tmp_path)["step"] == 40
    assert [e["step"] for e in history.evals] == [30, 40]
    for a, b in zip(straight.parameters(), resumed.parameters()):
        assert torch.allclose(a, b, atol=1e-5), "resuming must continue the same optimisation"
    assert math.isclose(history.train_loss[-1], full.train_loss[-1], rel_tol=1e-3)


def _stop_at(step):
    def hook(s, model):
        if s == step:
            raise KeyboardInterrupt   # what Ctrl-C / "interrupt kernel" does mid-run
    return hook


def test_interrupt_keeps_a_checkpoint(tmp_path):
    x, y = regression_data()
    history = train.fit(Regressor(), [(x, y)], steps=100, device="cpu", progress=False,
                        checkpoint_dir=tmp_path, on_step_end=_stop_at(7))
    assert history.stopped == "interrupted"
    assert checkpoint.read_state(tmp_path)["step"] == 7


# --------------------------------------------------------------------------- resume continues the run (issue 17, defect 1)
class DropoutRegressor(Regressor):
    """With dropout, a resumed run must also continue torch's random state, not only the data."""

    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Dropout(0.2),
                                       torch.nn.Linear(16, 1))


def make_stream(kind):
    """A fresh data stream, as a new process would build it; each kind draws differently."""
    x, y = regression_data()
    if kind == "own generator":          # a seeded generator of its own (LMBatches, shuffled_batches)
        return shuffled_batches(x, y, 16, seed=1)
    if kind == "global random state":   # torch's global generator, shared with dropout
        def draw():
            idx = torch.randint(len(y), (16,))
            return x[idx], y[idx]
        return draw
    return [(x[i:i + 16], y[i:i + 16]) for i in range(0, 256, 16)]   # an iterable of 16 distinct batches


@pytest.mark.parametrize("kind", ["own generator", "global random state", "list"])
def test_resume_continues_the_batch_stream_and_random_state(tmp_path, kind, one_thread):
    settings = dict(steps=30, lr=1e-2, device="cpu", progress=False, log_every=5)
    torch.manual_seed(0)
    straight = DropoutRegressor()
    train.fit(straight, make_stream(kind), **settings)

    torch.manual_seed(0)
    train.fit(DropoutRegressor(), make_stream(kind), **settings, checkpoint_dir=tmp_path, on_step_end=_stop_at(12))
    assert checkpoint.read_state(tmp_path)["step"] == 12
    torch.manual_seed(1234)              # a new process: its global random state is not the stopped run's
    resumed = DropoutRegressor()
    history = train.fit(resumed, make_stream(kind), **settings, checkpoint_dir=tmp_path, resume=True)
    assert history.step == 30
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, msg=f"{kind}: the resumed run must see the uninterrupted run's batches")


SIGTERM_SCRIPT = """
import os, signal, torch
from aigc_lab import train

class Line(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Linear(2, 1)
    def loss(self, batch):
        return (self.w(batch) ** 2).mean()

def hook(step, model):
    if step == 5:
        os.kill(os.getpid(), signal.SIGTERM)      # what a container stop or a closed terminal sends
history = train.fit(Line(), [torch.ones(4, 2)], steps=10**6, device="cpu", progress=False,
                    checkpoint_dir={out!r}, on_step_end=hook)
print(history.stopped, history.step, signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
"""


def test_sigterm_saves_and_stops_cleanly(tmp_path):
    script = tmp_path / "term.py"
    script.write_text(SIGTERM_SCRIPT.format(out=str(tmp_path / "ckpt")))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=ROOT,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["terminated", "5", "True"]   # stopped at the step, handler restored after
    assert checkpoint.read_state(tmp_path / "ckpt")["step"] == 5


def test_saves_every_checkpoint_seconds_while_training(tmp_path, clock):
    x, y = regression_data()
    seen = set()

    def watch(step, model):
        state = tmp_path / checkpoint.STATE_FILE
        if state.exists():
            seen.add(json.loads(state.read_text())["step"])

    # 10 ms a step for 1.2 s, a save every 0.2 s: a kill between saves loses at most checkpoint_seconds
    history = train.fit(Regressor(), [(x, y)], steps=10**6, max_seconds=1.2, device="cpu", progress=False,
                        checkpoint_dir=tmp_path, checkpoint_seconds=0.2, on_step_end=clock.step_takes(0.01, watch))
    saves = sorted(seen)                      # the saves made while it trained (the final one comes after the loop)
    assert history.step == 120 and len(saves) == 5 and saves[0] <= 21
    assert all(b - a == 20 for a, b in zip(saves, saves[1:])), saves
    assert checkpoint.read_state(tmp_path)["step"] == history.step


# --------------------------------------------------------------------------- the EMA survives a resume (issue 17, defect 2)
def interrupted_after(steps, stream):
    """A data stream that is interrupted (Ctrl-C) while drawing the batch of step ``steps + 1``."""
    drawn = 0

    def draw():
        nonlocal drawn
        drawn += 1
        if drawn > steps:
            raise KeyboardInterrupt
        return stream()
    return draw


def test_ema_after_resume_equals_the_uninterrupted_runs_ema(tmp_path, one_thread):
    settings = dict(steps=30, lr=1e-2, device="cpu", progress=False)
    torch.manual_seed(0)
    straight = Regressor()
    straight_ema = train.EMA(straight, decay=0.9)
    train.fit(straight, make_stream("own generator"), **settings, on_step_end=straight_ema.update)

    torch.manual_seed(0)
    first = Regressor()
    first_ema = train.EMA(first, decay=0.9)
    history = train.fit(first, interrupted_after(12, make_stream("own generator")), **settings,
                        checkpoint_dir=tmp_path, on_step_end=first_ema.update)
    assert history.stopped == "interrupted" and checkpoint.read_state(tmp_path)["step"] == 12

    torch.manual_seed(7)                 # a new process: a new model and a new EMA, built before fit resumes
    resumed = Regressor()
    resumed_ema = train.EMA(resumed, decay=0.9)
    train.fit(resumed, make_stream("own generator"), **settings, checkpoint_dir=tmp_path, resume=True,
              on_step_end=resumed_ema.update)
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b)
    for a, b in zip(straight_ema.model.state_dict().values(), resumed_ema.model.state_dict().values()):
        torch.testing.assert_close(a, b, msg="after a resume the EMA must continue the average, not restart it")


# --------------------------------------------------------------------------- a schedule driven by the time budget (issue 17)
def test_time_schedule_warms_up_in_steps_then_decays_over_the_fraction_of_the_budget_used():
    at = lambda step, seconds: train.lr_at_time(step, seconds, lr=1.0, warmup=10, max_seconds=100.0)  # noqa: E731
    assert at(0, 0.0) == pytest.approx(0.1) and at(9, 50.0) == pytest.approx(1.0)   # warm-up counts steps
    assert at(10, 0.0) == pytest.approx(1.0)
    assert at(10, 50.0) == pytest.approx(0.55)                    # half the time used: halfway down the cosine
    assert at(10, 100.0) == pytest.approx(0.1) and at(10, 250.0) == pytest.approx(0.1)   # the floor, min_lr_ratio
    assert at(50, 30.0) == at(50_000, 30.0), "after warm-up only the time used matters, not the step count"
    lrs = [at(20, s) for s in range(0, 101, 5)]
    assert all(a >= b for a, b in zip(lrs, lrs[1:]))


class FakeClock:
    """fit's clock (``train.time.perf_counter``), advanced only by the test, so that each step takes exactly the
    time the test says however busy the machine running the tests is."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now

    def step_takes(self, seconds: float, then=None):
        """An ``on_step_end`` hook: the step just done took ``seconds``; then call ``then`` (another hook)."""
        def hook(step, model):
            self.now += seconds
            if then is not None:
                then(step, model)
        return hook


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(train, "time", fake)
    return fake


@pytest.mark.parametrize("seconds_per_step", [0.002, 0.03])   # a fast machine, and one 15 times slower
def test_time_budgeted_fit_decays_fully_and_fills_its_budget_whatever_the_speed(seconds_per_step, clock):
    x, y = regression_data()
    history = train.fit(Regressor(), [(x, y)], steps=None, max_seconds=0.6, lr=1e-2, warmup=3, log_every=5,
                        device="cpu", progress=False, on_step_end=clock.step_takes(seconds_per_step))
    assert history.stopped == "time" and 0.6 <= history.seconds < 0.6 + 2 * seconds_per_step
    assert history.step == pytest.approx(0.6 / seconds_per_step, abs=2)
    assert history.lr[-1] == pytest.approx(1e-3, rel=0.1), "the last step runs at the floor of the schedule"


def test_a_step_plan_cut_by_its_time_cap_still_decays_fully(clock):
    # A step plan fitted to a fast machine (1,000 steps) meets a busy one (30 ms a step): the time cap ends the
    # run after 20 steps. The rate follows whichever budget is nearer its end, so it reaches its floor.
    x, y = regression_data()
    history = train.fit(Regressor(), [(x, y)], steps=1000, max_seconds=0.6, lr=1e-2, warmup=3, log_every=1,
                        device="cpu", progress=False, on_step_end=clock.step_takes(0.03))
    assert history.stopped == "time" and history.step == 20
    assert history.lr[-1] == pytest.approx(1e-3, rel=0.15), "the cut run still ends at the floor of the schedule"


def test_a_step_plan_within_its_time_cap_keeps_its_step_schedule(clock):
    # 30 steps of 40 ms within a 1.5 s cap: the time fraction stays below the step fraction all along
    x, y = regression_data()
    history = train.fit(Regressor(), [(x, y)], steps=30, max_seconds=1.5, lr=1e-2, warmup=3, log_every=1,
                        device="cpu", progress=False, on_step_end=clock.step_takes(0.04))
    assert history.stopped == "steps"
    assert history.lr == [train.lr_at(s, lr=1e-2, warmup=3, total=30) for s in range(30)]


def test_a_resumed_time_budgeted_run_counts_the_whole_runs_time(tmp_path, clock):
    x, y = regression_data()
    settings = dict(steps=None, max_seconds=0.8, lr=1e-2, warmup=3, log_every=5, device="cpu", progress=False,
                    checkpoint_dir=tmp_path)
    first = train.fit(Regressor(), [(x, y)], **settings, on_step_end=clock.step_takes(0.02, then=_stop_at(10)))
    assert first.stopped == "interrupted" and first.step == 10 and first.seconds == pytest.approx(0.2)
    resumed = train.fit(Regressor(), [(x, y)], **settings, resume=True, on_step_end=clock.step_takes(0.02))
    assert resumed.stopped == "time" and resumed.seconds == pytest.approx(0.8, abs=0.021)
    assert resumed.step == pytest.approx(40, abs=1)                    # 10 before the stop, 30 after
    assert resumed.lr[-1] == pytest.approx(1e-3, rel=0.1)
    again = train.fit(Regressor(), [(x, y)], **settings, resume=True)   # the budget is spent: nothing to do
    assert again.step == resumed.step and again.stopped == "time"


def test_time_schedule_needs_a_time_budget():
    with pytest.raises(ValueError, match="max_seconds"):
        train.fit(Regressor(), [regression_data()], steps=None, device="cpu", progress=False)
