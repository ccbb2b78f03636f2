"""JupyterLab starts on 127.0.0.1 from the installed environment and serves /lab."""

import socket
import subprocess
import sys
import time
import urllib.request

from cpt_analysis import config


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyterlab_serves_lab(tmp_path):
    port = _free_port()
    token = "cpt-workbook-smoke"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={config.NOTEBOOKS_DIR}",
            "--ServerApp.open_browser=False",
            "--allow-root",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "JUPYTER_RUNTIME_DIR": str(tmp_path)},
    )
    try:
        status, body = None, ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and status != 200:
            try:
                url = f"http://127.0.0.1:{port}/lab?token={token}"
                with urllib.request.urlopen(url, timeout=5) as response:
                    status, body = response.status, response.read().decode()
            except OSError:
                time.sleep(0.5)
        assert status == 200
        assert "JupyterLab" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
