"""Checkpoints: round trip, atomic saves under a simulated crash, clear errors on bad files."""
import json
import os
import re
import stat

import pytest
import torch
from safetensors.torch import save_file

from aigc_lab import checkpoint


def make_model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_round_trip_with_optimizer(tmp_path):
    model = make_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    checkpoint.save(tmp_path, model, optimizer, step=5, config={"width": 5})

    other = make_model(seed=1)
    other_opt = torch.optim.AdamW(other.parameters(), lr=1e-2)
    state = checkpoint.load(tmp_path, other, other_opt)
    assert state["step"] == 5 and state["config"] == {"width": 5}
    for a, b in zip(model.state_dict().values(), other.state_dict().values()):
        assert torch.equal(a, b)
    mine, theirs = optimizer.state_dict()["state"], other_opt.state_dict()["state"]
    assert torch.equal(mine[0]["exp_avg"], theirs[0]["exp_avg"])


def test_saves_no_pickle(tmp_path):
    checkpoint.save(tmp_path, make_model(), step=1)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and names[1] == "state.json"
    assert re.fullmatch(r"model-000001-[0-9a-f]{16}\.safetensors", names[0])   # step and content hash


def test_crash_mid_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    model = make_model()
    checkpoint.save(tmp_path, model, step=1)
    before = snapshot(tmp_path)

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(checkpoint, "save_file", crash)
    with pytest.raises(OSError, match="simulated"):
        checkpoint.save(tmp_path, make_model(seed=3), step=2)
    assert snapshot(tmp_path) == before            # nothing half-written, nothing removed
    restored = make_model(seed=9)
    assert checkpoint.load(tmp_path, restored)["step"] == 1


def test_crash_before_state_replace_keeps_previous(tmp_path, monkeypatch):
    checkpoint.save(tmp_path, make_model(), step=1)
    real_replace = checkpoint.os.replace

    def replace(src, dst):
        if str(dst).endswith("state.json"):
            raise KeyboardInterrupt   # killed between writing the weights and the state
        real_replace(src, dst)

    monkeypatch.setattr(checkpoint.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(tmp_path, make_model(seed=4), step=2)
    monkeypatch.undo()
    assert checkpoint.load(tmp_path, make_model())["step"] == 1


def test_corrupt_state_is_reported_and_left_untouched(tmp_path):
    checkpoint.save(tmp_path, make_model(), step=1)
    (tmp_path / "state.json").write_text("{ not json")
    before = snapshot(tmp_path)
    with pytest.raises(checkpoint.CheckpointError, match="corrupt"):
        checkpoint.load(tmp_path, make_model())
    assert snapshot(tmp_path) == before


def test_corrupt_weights_fail_the_checksum(tmp_path):
    checkpoint.save(tmp_path, make_model(), step=1)
    (weights,) = tmp_path.glob("model-000001-*.safetensors")
    weights.write_bytes(weights.read_bytes()[:-7] + b"garbage")
    with pytest.raises(checkpoint.CheckpointError, match="checksum"):
        checkpoint.load(tmp_path, make_model())


def test_foreign_files_are_rejected(tmp_path):
    (tmp_path / "state.json").write_text(json.dumps({"hello": "world"}))
    with pytest.raises(checkpoint.CheckpointError, match="not an aigc_lab checkpoint"):
        checkpoint.load(tmp_path, make_model())
    with pytest.raises(checkpoint.CheckpointError, match="does not exist"):
        checkpoint.load(tmp_path / "missing", make_model())
    with pytest.raises(checkpoint.CheckpointError, match="no state.json"):
        checkpoint.load(tmp_path.parent, make_model())


def test_checkpoint_of_another_model_is_refused(tmp_path):
    save_file({"x": torch.zeros(1)}, str(tmp_path / "mine.safetensors"))
    checkpoint.save(tmp_path, make_model(), step=1)
    checkpoint.save(tmp_path, make_model(), step=2)
    assert (tmp_path / "mine.safetensors").exists(), "a save never deletes files it did not write"
    assert not list(tmp_path.glob("model-000001-*")), "the files of the previous save are removed"
    with pytest.raises(checkpoint.CheckpointError, match="does not fit"):
        checkpoint.load(tmp_path, torch.nn.Linear(2, 2))


def test_tied_weights_are_stored_once_and_stay_tied(tmp_path):
    from aigc_lab.text.gpt import GPT, GPTConfig

    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=16))
    checkpoint.save(tmp_path, model, step=3)
    restored = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=16))
    checkpoint.load(tmp_path, restored)
    assert restored.head.weight is restored.tok_emb.weight
    assert torch.equal(restored.tok_emb.weight, model.tok_emb.weight)


def _weights(model):
    return [t.clone() for t in model.state_dict().values()]


def test_a_crash_at_any_point_of_a_same_step_save_leaves_old_or_new(tmp_path, monkeypatch):
    """Kill the save of new weights under an old step number at its k-th file operation, for every k.

    Each crash must leave a checkpoint that loads, holding exactly the old weights or exactly the new ones
    (never a checksum error), and the next save must still work."""
    old_model, new_model = make_model(seed=0), make_model(seed=1)
    old, new = _weights(old_model), _weights(new_model)
    real = {"replace": checkpoint.os.replace, "fsync": checkpoint.os.fsync, "save_file": checkpoint.save_file,
            "unlink": checkpoint.Path.unlink}
    crashed_somewhere, k = False, 0
    while True:
        k += 1
        folder = tmp_path / f"k{k}"
        checkpoint.save(folder, old_model, step=7)
        calls = 0

        def counted(name):
            def operation(*args, **kwargs):
                nonlocal calls
                calls += 1
                if calls == k:
                    raise KeyboardInterrupt(f"killed at file operation {k} ({name})")
                return real[name](*args, **kwargs)
            return operation

        for name in ("replace", "fsync"):
            monkeypatch.setattr(checkpoint.os, name, counted(name))
        monkeypatch.setattr(checkpoint, "save_file", counted("save_file"))
        monkeypatch.setattr(checkpoint.Path, "unlink", counted("unlink"))
        try:
            checkpoint.save(folder, new_model, step=7)     # same step, different weights
            finished = True
        except KeyboardInterrupt:
            finished, crashed_somewhere = False, True
        monkeypatch.undo()

        restored = make_model(seed=5)
        assert checkpoint.load(folder, restored)["step"] == 7, f"crash at operation {k}"
        got = _weights(restored)
        is_old = all(torch.equal(a, b) for a, b in zip(got, old))
        is_new = all(torch.equal(a, b) for a, b in zip(got, new))
        assert is_old or is_new, f"a crash at file operation {k} left a mix of old and new weights"
        if finished:
            assert is_new
            break
        checkpoint.save(folder, new_model, step=8)        # the folder stays usable after a crash
        checkpoint.load(folder, restored)
    assert crashed_somewhere and k > 3


def test_every_rename_is_followed_by_a_directory_fsync(tmp_path, monkeypatch):
    """A rename is durable only once its directory entry is on disk: fsync the folder after each one."""
    events = []
    real_replace, real_fsync = checkpoint.os.replace, checkpoint.os.fsync

    def replace(src, dst):
        events.append(("replace", str(dst)))
        return real_replace(src, dst)

    def fsync(fd):
        events.append(("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file", ""))
        return real_fsync(fd)

    monkeypatch.setattr(checkpoint.os, "replace", replace)
    monkeypatch.setattr(checkpoint.os, "fsync", fsync)
    checkpoint.save(tmp_path, make_model(), torch.optim.AdamW(make_model().parameters()), step=3)
    renames = [i for i, (kind, _) in enumerate(events) if kind == "replace"]
    assert renames and all(events[i + 1][0] == "fsync-dir" for i in renames), events
