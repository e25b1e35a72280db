"""fit under torchrun (two CPU processes, gloo): a time-budgeted run keeps the processes in step, and a
stopped-then-resumed data-parallel run ends where the uninterrupted one does (issue 17)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from aigc_lab import checkpoint
from test_distributed import Regression, _free_port

SCRIPT = '''
import sys, torch, torch.distributed as dist
sys.path.insert(0, {tests!r})
from aigc_lab.train import fit
from test_distributed import Regression

mode, out = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
model = Regression()
g = torch.Generator().manual_seed(1)            # every process draws the same seeded stream; fit shards it
draw = lambda: (torch.randn(8, 4, generator=g), torch.randn(8, generator=g))

def stop_at_4(step, m):
    if step == 4:
        raise KeyboardInterrupt

settings = dict(lr=0.05, log_every=2, device="cpu", progress=False, checkpoint_dir=out)
if mode == "time":
    history = fit(model, draw, steps=None, max_seconds=1.0, warmup=2, **settings)
else:
    history = fit(model, draw, steps=10, resume=mode == "resume", on_step_end=stop_at_4 if mode == "stop" else None,
                  **settings)
# what each process ended with: its step and its weights, gathered to compare them
mine = torch.cat([torch.tensor([float(history.step)]), *[p.detach().flatten() for p in model.parameters()]])
both = [torch.zeros_like(mine) for _ in range(2)]
dist.all_gather(both, mine)
if dist.get_rank() == 0:
    print("rank0", history.step, history.stopped, bool(torch.equal(both[0], both[1])), history.lr[-1])
'''


def torchrun(tmp_path, mode, out):
    script = tmp_path / "ddp.py"
    script.write_text(SCRIPT.format(tests=str(Path(__file__).parent)))
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
         "--master_port", str(_free_port()), str(script), mode, str(out)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = [line.split() for line in result.stdout.splitlines() if line.startswith("rank0 ")]
    assert line[3] == "True", "the processes must end at the same step with identical weights"
    return int(line[1]), line[2], float(line[4])


@pytest.mark.slow
def test_time_budgeted_data_parallel_run_keeps_processes_in_step(tmp_path, one_thread):
    step, stopped, last_lr = torchrun(tmp_path, "time", tmp_path / "time")
    assert stopped == "time" and step > 2 and last_lr == pytest.approx(0.005, rel=0.2)


@pytest.mark.slow
def test_data_parallel_stop_then_resume_matches_the_uninterrupted_run(tmp_path, one_thread):
    assert torchrun(tmp_path, "straight", tmp_path / "straight")[:2] == (10, "steps")
    assert torchrun(tmp_path, "stop", tmp_path / "cut")[:2] == (4, "interrupted")
    assert torchrun(tmp_path, "resume", tmp_path / "cut")[:2] == (10, "steps")
    straight, resumed = Regression(), Regression()
    checkpoint.load(tmp_path / "straight", straight)
    checkpoint.load(tmp_path / "cut", resumed)
    for a, b in zip(straight.parameters(), resumed.parameters()):
        torch.testing.assert_close(a, b)
