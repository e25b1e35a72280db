"""`make lab` really serves JupyterLab (checked with a request to its API), also as root."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_jupyterlab():
    port, token = free_port(), "aigc-lab-test"
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    process = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, status = time.time() + 90, None
        while time.time() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2) as reply:
                    status = json.loads(reply.read())
                    break
            except OSError:
                time.sleep(0.5)
        if status is None:
            os.killpg(process.pid, signal.SIGTERM)
            output = process.communicate(timeout=20)[0].decode(errors="replace")
            pytest.fail(f"JupyterLab did not answer on port {port}:\n{output[-3000:]}")
        assert "started" in status
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}", timeout=5) as reply:
            names = {item["name"] for item in json.loads(reply.read())["content"]}
        assert "00_start_here.ipynb" in names
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
