"""fit under torchrun: two CPU processes (gloo) train exactly like one process on their combined batches."""
import socket
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from aigc_lab import checkpoint, distributed
from aigc_lab.train import fit

SCRIPT = '''
import sys, torch
from aigc_lab.train import fit
sys.path.insert(0, {tests!r})
from test_distributed import Regression, batches
torch.manual_seed(0)
model = Regression()
stream = iter(batches())
history = fit(model, lambda: next(stream), steps=6, lr=0.05, log_every=2, device="cpu", progress=False,
              checkpoint_dir={out!r})
print("rank done", history.step, history.train_loss)
'''


class Regression(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 1)

    def loss(self, batch):
        x, y = batch
        return F.mse_loss(self.linear(x).squeeze(-1), y)


def batches(n: int = 12, size: int = 8):
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(size, 4, generator=g), torch.randn(size, generator=g)) for _ in range(n)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_shard_gives_each_rank_every_world_size_th_batch():
    counter = iter(range(100))
    shard0 = distributed.shard(lambda: next(counter), distributed.Place(0, 3, 0))
    assert [shard0() for _ in range(3)] == [0, 3, 6]
    counter = iter(range(100))
    shard2 = distributed.shard(lambda: next(counter), distributed.Place(2, 3, 2))
    assert [shard2() for _ in range(3)] == [2, 5, 8]


def test_place_reads_torchrun_variables_and_rejects_garbage(monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert distributed.place() == distributed.Place(1, 4, 1) and distributed.place().distributed
    monkeypatch.setenv("WORLD_SIZE", "four")
    with pytest.raises(ValueError, match="whole numbers"):
        distributed.place()


@pytest.mark.slow
def test_two_processes_match_one_process_on_the_combined_batches(tmp_path, seeded_one_thread):
    out = tmp_path / "ddp"
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(tests=str(__import__("pathlib").Path(__file__).parent), out=str(out)))
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
         "--master_port", str(_free_port()), str(script)],
        capture_output=True, text=True, timeout=120, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("rank done 6") == 2

    # one process, each step on batches 2k and 2k+1 together: the mean over both is what DDP averages
    torch.manual_seed(0)
    reference = Regression()
    data = batches()
    pairs = iter([(torch.cat([data[i][0], data[i + 1][0]]), torch.cat([data[i][1], data[i + 1][1]]))
                  for i in range(0, 12, 2)])
    fit(reference, lambda: next(pairs), steps=6, lr=0.05, log_every=2, device="cpu", progress=False)

    trained = Regression()
    checkpoint.load(out, trained)
    for a, b in zip(trained.parameters(), reference.parameters()):
        assert torch.allclose(a, b, atol=1e-5), (a, b)


PIPELINE_SCRIPT = '''
import os, torch, torch.distributed as dist, torch.nn as nn, torch.nn.functional as F
from aigc_lab.pipeline import pipeline_step, split_sequential
dist.init_process_group("gloo")
rank = dist.get_rank()
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))
stage = split_sequential(model, 2)[rank]
g = torch.Generator().manual_seed(1)
x, y = torch.randn(12, 6, generator=g), torch.randint(3, (12,), generator=g)
loss = pipeline_step(stage, rank, x if rank == 0 else None, y if rank == 1 else None, micro_batches=3,
                     boundary_shape=(16,), loss_fn=F.cross_entropy)
torch.save({{n: p.grad for n, p in stage.named_parameters()}}, os.path.join({out!r}, f"grads{{rank}}.pt"))
if rank == 1:
    print("loss", loss)
dist.destroy_process_group()
'''


@pytest.mark.slow
def test_two_stage_pipeline_gives_the_single_process_gradients(tmp_path, seeded_one_thread):
    import torch.nn as nn

    from aigc_lab.pipeline import split_sequential

    script = tmp_path / "pipe.py"
    script.write_text(PIPELINE_SCRIPT.format(out=str(tmp_path)))
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
         "--master_port", str(_free_port()), str(script)],
        capture_output=True, text=True, timeout=120, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(12, 6, generator=g), torch.randint(3, (12,), generator=g)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    assert float(result.stdout.split("loss")[1]) == pytest.approx(loss.item(), abs=1e-5)
    for rank, stage in enumerate(split_sequential(model, 2)):
        grads = torch.load(tmp_path / f"grads{rank}.pt")
        for name, p in stage.named_parameters():
            assert torch.allclose(grads[name], p.grad, atol=1e-6), name
    with pytest.raises(ValueError, match="boundary"):
        split_sequential(model, 0)
