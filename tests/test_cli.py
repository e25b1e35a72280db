"""The command line: each command works, and bad input fails with a clear message and exit code 2."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aigc_lab import bench, cli
from conftest import ROOT


def aigc_lab(*args, env=None):
    return subprocess.run([sys.executable, "-m", "aigc_lab.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=600)


def test_doctor_passes_here():
    result = aigc_lab("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all good" in result.stdout


def test_doctor_fails_with_a_fix_for_a_bad_profile(monkeypatch):
    monkeypatch.setenv("AIGC_LAB_PROFILE", "turbo")
    result = aigc_lab("doctor", env={**__import__("os").environ})
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "fix:" in result.stdout


def test_unknown_command_and_option_fail_clearly():
    assert aigc_lab("frobnicate").returncode == 2
    result = aigc_lab("run", "--profile", "turbo")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    assert aigc_lab("run", "--no-such-flag").returncode == 2


def test_run_missing_notebook_fails_clearly():
    result = aigc_lab("run", "notebooks/does_not_exist.ipynb", "--no-record")
    assert result.returncode == 2 and "no such notebook" in result.stderr


def test_bench_unknown_name_fails_clearly():
    result = aigc_lab("bench", "nonsense", "--no-record")
    assert result.returncode == 2 and "unknown benchmark" in result.stderr and "concepts" in result.stderr


def test_every_chapter_benchmark_is_registered():
    assert "concepts" in bench.registry()


def test_run_parts_collects_each_part_and_its_seconds(tmp_path, monkeypatch):
    package = tmp_path / "toy_parts"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "first.py").write_text("def figures():\n    return {'accuracy': 0.5}\n")
    (package / "second.py").write_text("def figures():\n    return {'loss': 2.0}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    out = bench.run_parts({"b": "second", "a": "first"}, "toy_parts")
    assert list(out) == ["b", "a", "seconds_by_part"]                  # the parts' order is kept
    assert out["a"] == {"accuracy": 0.5} and out["b"] == {"loss": 2.0}
    assert list(out["seconds_by_part"]) == ["b", "a"] and all(s >= 0 for s in out["seconds_by_part"].values())
    assert bench.part_seconds({"seconds_by_part": {"b": 12.4, "a": 0.6}}) == {"seconds by part": "b 12, a 1"}
    assert bench.part_seconds({"accuracy": 0.5}) == {}                   # records from before run_parts


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")      # utime + stime


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads CPU time from Linux's /proc")
def test_a_busy_run_spins_beside_the_benchmark_and_is_recorded_apart(monkeypatch):
    seen = {}

    def toy():           # the benchmark itself: how much CPU the busy process burnt while it ran
        import time
        spinners = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == os.getpid()]
        time.sleep(0.5)
        seen["cpu"] = [_cpu_seconds(int(p.name)) for p in spinners]
        seen["pids"] = [int(p.name) for p in spinners]
        return {"accuracy": 1.0}

    monkeypatch.setitem(bench._REGISTRY, "toy", bench.Benchmark("toy", "a toy", toy))
    monkeypatch.setattr(bench, "BENCHMARK_MODULES", [])
    idle, = bench.run(["toy"])
    assert idle["benchmark"] == "toy" and idle["busy_processes"] == 0 and seen["pids"] == []
    busy, = bench.run(["toy"], busy=1)
    assert busy["benchmark"] == "toy --busy 1" and busy["busy_processes"] == 1
    assert len(seen["pids"]) == 1 and seen["cpu"][0] > 0.2               # it spun for most of the half second
    assert not Path(f"/proc/{seen['pids'][0]}").exists()                 # and it is gone afterwards
    with pytest.raises(ValueError, match="0 or more"):
        next(bench.run(["toy"], busy=-1))


def _parent(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def test_run_executes_times_and_reports(tmp_path):
    result = aigc_lab("run", "notebooks/00_start_here.ipynb", "--profile", "smoke", "--no-record")
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(l for l in result.stdout.splitlines() if "00_start_here" in l)
    status, seconds, peak = line.split()[1:4]
    assert status == "ok" and float(seconds) > 0 and float(peak) > 50   # a kernel with torch uses > 50 MB


def test_run_reports_a_failing_notebook(tmp_path):
    import nbformat

    bad = tmp_path / "bad.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")]), bad)
    result = aigc_lab("run", str(bad), "--profile", "smoke", "--no-record")
    assert result.returncode == 1 and "failed" in result.stdout and "ZeroDivisionError" in result.stdout


def test_parser_lists_every_command():
    text = cli.build_parser().format_help()
    for command in ("doctor", "run", "bench", "clean", "readme"):
        assert command in text


@pytest.mark.slow
def test_bench_prints_json_figures():
    result = aigc_lab("bench", "concepts", "--profile", "smoke", "--no-record")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["benchmark"] == "concepts" and record["profile"] == "smoke"
    figures = record["figures"]
    assert figures["cnn_test_accuracy"] > figures["majority_accuracy"] + 0.2
    assert figures["gpt_val_loss_nats_per_char"] < figures["unigram_entropy_nats_per_char"]


def test_train_char_lm_then_sample_and_resume(tmp_path):
    corpus = tmp_path / "fox.txt"
    corpus.write_text("The quick brown fox jumps over the lazy dog. " * 60)
    out = tmp_path / "ckpt"
    result = aigc_lab("train", "char-lm", "--text", str(corpus), "--minutes", "0.1", "--profile", "smoke", "--out", str(out))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"val_loss", "params", "tokens_per_s", "seconds", "device"} <= report.keys()
    assert report["val_loss"] < report["unigram_entropy"]
    sampled = aigc_lab("sample", "--ckpt", str(out), "--prompt", "The ", "--tokens", "20")
    assert sampled.returncode == 0 and sampled.stdout.startswith("The ") and len(sampled.stdout.strip()) >= 20
    assert report["schedule"] == "time" and report["stopped"] == "time" and report["seconds"] < 15
    resumed = aigc_lab("train", "char-lm", "--text", str(corpus), "--minutes", "0.1", "--profile", "smoke",
                       "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr


def test_train_and_sample_reject_bad_input(tmp_path):
    (tmp_path / "bin.dat").write_bytes(b"\x00" * 5000)
    for path, message in [(tmp_path / "missing.txt", "no such file"), (tmp_path / "bin.dat", "binary")]:
        result = aigc_lab("train", "char-lm", "--text", str(path), "--out", str(tmp_path / "c"))
        assert result.returncode == 2 and message in result.stderr
    result = aigc_lab("sample", "--ckpt", str(tmp_path))
    assert result.returncode == 2 and "not an aigc_lab checkpoint" in result.stderr
