"""Shared fixtures: the official CMS files in ../shared/cms (skipped where absent), a
temporary local store so tests never touch a user's data/local, a JupyterLab server and a
headless Chromium; and the guard of the ``slow`` marker: a test that starts a Jupyter kernel,
a server or a browser without ``@pytest.mark.slow`` fails, so `make test-fast` stays fast."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from cpt_analysis import config
from cpt_analysis.reference import icd10


@pytest.fixture(scope="session")
def cms_dir():
    """The folder of official CMS files; skips the test where it is absent (a user's clone)."""
    path = config.shared_cms_dir()
    if not (path / "2025" / "PPRRVU2025_Oct.csv").exists():
        pytest.skip(f"official CMS files not found at {path} (they live outside the repository)")
    return path


@pytest.fixture(autouse=True)
def tmp_store(tmp_path, monkeypatch):
    """Point the local store at an empty temporary folder for every test."""
    store = tmp_path / "store"
    monkeypatch.setenv(config.STORE_ENV, str(store))
    icd10._added.cache_clear()
    yield store
    icd10._added.cache_clear()


SLOW_FIXTURES = ("jupyterlab", "chromium")  # a server, a browser
MARK_IT = "mark it @pytest.mark.slow (`make test-fast` leaves slow tests out)"


def pytest_collection_modifyitems(items):
    """Refuse to run a test that uses a server or a browser fixture without the slow marker."""
    unmarked = [
        f"{item.nodeid} uses the {name} fixture: {MARK_IT}"
        for item in items
        for name in SLOW_FIXTURES
        if name in getattr(item, "fixturenames", ()) and not item.get_closest_marker("slow")
    ]
    if unmarked:
        raise pytest.UsageError("\n".join(unmarked))


@pytest.fixture(scope="session")
def kernel_trap(tmp_path_factory):
    """A Jupyter data folder whose ``python3`` kernel only leaves a mark and exits: put first
    on JUPYTER_PATH, any kernel started from the test (papermill, nbconvert, a batch's worker
    processes or a `cpt-workbook run` subprocess) leaves the mark instead of running."""
    folder = tmp_path_factory.mktemp("kernel-trap")
    mark = folder / "a kernel started"
    spec = folder / "kernels" / "python3" / "kernel.json"
    spec.parent.mkdir(parents=True)
    code = f"import pathlib, sys; pathlib.Path({str(mark)!r}).touch(); sys.exit(1)"
    argv = [sys.executable, "-c", code, "{connection_file}"]
    spec.write_text(json.dumps({"argv": argv, "display_name": "trap", "language": "python"}))
    return folder, mark


@pytest.fixture(autouse=True)
def no_kernel_unless_slow(request, monkeypatch, kernel_trap):
    """Fail a test that starts a Jupyter kernel without the slow marker."""
    if request.node.get_closest_marker("slow"):
        yield
        return
    folder, mark = kernel_trap
    mark.unlink(missing_ok=True)
    paths = [str(folder), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join(paths))
    yield
    if mark.exists():
        mark.unlink()
        pytest.fail(f"{request.node.nodeid} started a Jupyter kernel: {MARK_IT}")


@pytest.fixture(scope="session")
def chromium():
    """The path of a headless Chromium (chromium or chromium-browser on PATH); skips the test
    where there is none: only root can install it (`make test` does so when run as root)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip(
            "Chromium not found (no chromium or chromium-browser on PATH): the browser tests "
            "need it; `sudo make chromium` installs it"
        )
    return path


@pytest.fixture(scope="session")
def seed_path():
    """The founding article about 97012, read from ../shared/seeds (never copied into the
    repository); skips the test where it is absent."""
    path = config.shared_cms_dir().parent / "seeds" / "000_23c12480723c5fac.txt"
    if not path.exists():
        pytest.skip(f"the seed article was not found at {path} (it lives outside the repository)")
    return path


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving notebooks/, started once for the session, with a
    clean HOME. Yields ``get(path)``, which returns (status, body text) of a GET with the token,
    retrying for up to 60 s while the server starts."""
    home = tmp_path_factory.mktemp("jupyter-home")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "cpt-workbook-smoke"
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={config.NOTEBOOKS_DIR}",
         "--ServerApp.open_browser=False", "--allow-root"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "JUPYTER_RUNTIME_DIR": str(home)},
    )  # fmt: skip

    def get(path: str) -> tuple[int, str]:
        sep = "&" if "?" in path else "?"
        url = f"http://127.0.0.1:{port}{path}{sep}token={token}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as exc:  # the server answered: no retry
                return exc.code, exc.read().decode()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    try:
        yield get
    finally:
        proc.terminate()
        proc.wait(timeout=30)
