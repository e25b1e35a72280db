"""Device, precision, profile, threads and seeds."""
import pytest
import torch

from aigc_lab import runtime


def test_profile_default_follows_cuda(monkeypatch):
    monkeypatch.delenv("AIGC_LAB_PROFILE", raising=False)
    assert runtime.profile() == ("gpu" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("name", runtime.PROFILES)
def test_profile_from_environment(monkeypatch, name):
    monkeypatch.setenv("AIGC_LAB_PROFILE", name.upper())
    assert runtime.profile() == name


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("AIGC_LAB_PROFILE", "turbo")
    with pytest.raises(runtime.ProfileError, match="smoke, cpu, gpu"):
        runtime.profile()


def test_pick():
    assert runtime.pick(1, 2, 3, profile_name="smoke") == 1
    assert runtime.pick(1, 2, 3, profile_name="gpu") == 3
    assert runtime.pick(1, 2, profile_name="gpu") == 2   # gpu defaults to the cpu value
    with pytest.raises(runtime.ProfileError):
        runtime.pick(1, 2, profile_name="huge")


def test_device_auto_and_cpu(monkeypatch):
    monkeypatch.delenv("AIGC_LAB_DEVICE", raising=False)
    assert runtime.device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert runtime.device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_missing_cuda_fails_clearly():
    with pytest.raises(runtime.DeviceError, match="sees no CUDA GPU.*Fix"):
        runtime.device("cuda")


def test_unknown_device_fails_clearly():
    with pytest.raises(runtime.DeviceError, match="unknown device"):
        runtime.device("tpu")


def test_mps_only_on_request(monkeypatch):
    monkeypatch.delenv("AIGC_LAB_DEVICE", raising=False)
    assert runtime.device().type != "mps"


def test_autocast_is_a_no_op_on_cpu_by_default():
    with runtime.autocast("cpu"):
        y = torch.ones(2, 2) @ torch.ones(2, 2)
    assert y.dtype == torch.float32


def test_bf16_autocast_path_runs_on_cpu():
    """The GPU's bf16 code path, exercised on the CPU before any GPU sees it."""
    layer = torch.nn.Linear(8, 4)
    with runtime.autocast("cpu", enabled=True):
        y = layer(torch.randn(3, 8))
    assert y.dtype == torch.bfloat16
    y.float().sum().backward()
    assert layer.weight.grad is not None and layer.weight.grad.dtype == torch.float32


def test_threads_by_model_size(monkeypatch):
    monkeypatch.delenv("AIGC_LAB_THREADS", raising=False)
    before = torch.get_num_threads()
    try:
        assert runtime.set_threads(params=10_000) == 1
        assert runtime.set_threads(params=10_000_000) >= 1
        assert runtime.set_threads(3) == 3
        monkeypatch.setenv("AIGC_LAB_THREADS", "2")
        assert runtime.set_threads(params=10) == 2
        monkeypatch.setenv("AIGC_LAB_THREADS", "many")
        with pytest.raises(ValueError, match="not a whole number"):
            runtime.set_threads()
    finally:
        torch.set_num_threads(before)


def test_seeding_is_reproducible():
    runtime.seed_everything(7)
    a = torch.rand(3)
    runtime.seed_everything(7)
    assert torch.equal(a, torch.rand(3))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_bf16_autocast_on_cuda():
    with runtime.autocast("cuda"):
        y = torch.nn.Linear(8, 4).cuda()(torch.randn(3, 8, device="cuda"))
    assert y.dtype == torch.bfloat16


class _FakeSteps:
    """Steps whose duration depends on torch's thread count and on a load that the test changes."""

    def __init__(self, ms_by_threads: dict[int, float]):
        self.ms_by_threads, self.now = dict(ms_by_threads), 0.0

    def clock(self) -> float:
        return self.now

    def run(self, chooser, steps: int) -> list[int]:
        used = []
        for step in range(steps):
            used.append(torch.get_num_threads())
            self.now += self.ms_by_threads[torch.get_num_threads()] / 1000
            chooser(step + 1, None)
        return used


@pytest.fixture
def two_threads(monkeypatch):
    monkeypatch.delenv(runtime.THREADS_VARIABLE, raising=False)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_thread_chooser_leaves_a_slow_start_and_follows_the_load(two_threads):
    # two threads start, but one runs each step three times faster (another program holds a core)
    steps = _FakeSteps({1: 10.0, 2: 30.0})
    chooser = runtime.ThreadChooser((1, 2), trial_steps=5, recheck_seconds=1.0, clock=steps.clock)
    used = steps.run(chooser, 200)
    assert chooser.threads == 1 and used[-1] == 1 and chooser.switches >= 1
    assert used[:5] == [2] * 5                       # it measured the starting count before trying another
    # rechecks keep costing a little: most steps ran on the fast count
    assert used.count(1) > 0.85 * len(used)
    # the other program ends: two threads become the faster choice, and a later recheck finds it
    steps.ms_by_threads = {1: 10.0, 2: 4.0}
    used = steps.run(chooser, 600)
    assert chooser.threads == 2 and used[-1] == 2
    assert chooser.median_ms[2] == pytest.approx(4.0) and chooser.median_ms[1] == pytest.approx(10.0)


def test_thread_chooser_keeps_a_count_that_stays_faster(two_threads):
    steps = _FakeSteps({1: 30.0, 2: 10.0})
    chooser = runtime.ThreadChooser((1, 2), trial_steps=5, recheck_seconds=1.0, clock=steps.clock)
    used = steps.run(chooser, 300)
    assert chooser.threads == 2 and chooser.switches == 0 and 1 in used     # it tried one thread, and went back


def test_thread_chooser_obeys_the_environment(two_threads, monkeypatch):
    monkeypatch.setenv(runtime.THREADS_VARIABLE, "2")
    steps = _FakeSteps({1: 10.0, 2: 30.0})
    used = steps.run(runtime.ThreadChooser((1, 2), trial_steps=5, recheck_seconds=1.0, clock=steps.clock), 100)
    assert set(used) == {2}
    with pytest.raises(ValueError, match="at least 1"):
        runtime.ThreadChooser((0, 2))


def test_threads_sets_the_count_inside_the_block_and_restores_it_after(two_threads):
    with runtime.threads(1) as n:
        assert n == 1 and torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    with pytest.raises(KeyError):
        with runtime.threads(1):
            raise KeyError("a failing check")
    assert torch.get_num_threads() == 2
