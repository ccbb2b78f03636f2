"""Serve the app's pages with Voila on 127.0.0.1: a free port (or the one asked for, refused in
one line when taken or not a port), offline (the ``cpt-offline`` template links nothing on the
internet), downloads served from a private folder removed on exit, stopped with Ctrl-C.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import webbrowser
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from ..errors import WorkbookError
from .page import DOWNLOADS_ENV, FILES_URL_ENV

HOST = "127.0.0.1"
TEMPLATE = "cpt-offline"
UPLOAD_MB = 200  # the largest export the practice page takes by upload (a path takes any)
PORT_FIX = "give a number from 1024 to 65535, or leave --port out for a free one"


def package_dir() -> Path:
    """The folder of the app inside the installed package."""
    return Path(resources.files("cpt_analysis.app")).resolve()


def pages_dir() -> Path:
    """The page notebooks shipped with the package."""
    return package_dir() / "pages"


def templates_dir() -> Path:
    """The Jupyter data folder holding the ``cpt-offline`` Voila template."""
    return package_dir() / "templates"


def check_port(value: object) -> int:
    """Return ``value`` as a port of 127.0.0.1 this process may listen on.

    Raises WorkbookError for text that is not a whole number, a number outside 1-65535, a port
    another program holds and one the system refuses (below 1024 without root).
    """
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise WorkbookError(f"--port {value} is not a port number", PORT_FIX)
    port = int(text)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise WorkbookError(
                    f"port {port} of {HOST} is taken by another program", PORT_FIX
                ) from None
            raise WorkbookError(
                f"port {port} of {HOST} cannot be used ({exc.strerror})", PORT_FIX
            ) from None
    return port


def free_port() -> int:
    """A port of 127.0.0.1 that no program holds now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def prepare(base: Path) -> tuple[Path, Path]:
    """Lay out the app's private folder: ``pages/`` (what Voila serves: the page notebooks and
    the downloads folder), ``jupyter/`` (its kernel) and ``ipython/`` (the kernels' settings).
    Return the pages and downloads folders.

    The kernel is the project's Python, interrupted by message rather than by signal: Jupyter
    interrupts a kernel before shutting it down, and a signal would print a traceback when
    Ctrl-C comes while a page's kernel is still starting.
    """
    root = base / "pages"
    downloads = root / "downloads"
    downloads.mkdir(parents=True)
    for page in sorted(pages_dir().glob("*.ipynb")):
        shutil.copy2(page, root / page.name)
    kernel = base / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "interrupt_mode": "message",
    }
    (kernel / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    # the kernels' own IPython folder: no user start-up script runs in a page, and their log
    # keeps to errors (not ipykernel's note on local TCP, which a manager would take for one)
    profile = base / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    quiet = {"IPKernelApp": {"log_level": "ERROR"}}
    (profile / "ipython_kernel_config.json").write_text(json.dumps(quiet), encoding="utf-8")
    return root, downloads


def open_page(url: str) -> bool:
    """Open ``url`` in the desktop's browser; not on a Linux machine without a display, where
    Python would start a text browser in the terminal. Returns whether a browser was asked."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False


def voila_args(root: Path, port: int) -> list[str]:
    """Voila's command line for the app."""
    return [
        str(root),
        f"--port={port}",
        f"--Voila.ip={HOST}",
        "--Voila.port_retries=0",
        "--Voila.open_browser=True",  # calls launch_browser once listening: see _app_class
        f"--template={TEMPLATE}",
        "--VoilaConfiguration.file_allowlist=downloads/.*\\.(html|xlsx)",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.preheat_kernel=True",
        "--Voila.log_level=ERROR",
    ]


def _app_class(url: str, ready: Callable[[], None]) -> type:
    """Voila, with its index and folder pages sent to the code card at ``url`` (the pages link
    each other, and Voila's own index fetches Font Awesome from a CDN), a page's kernel shut
    down when the page is left, and ``ready`` called once the server listens."""
    from voila.app import Voila
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
    from voila.tornado.treehandler import TornadoVoilaTreeHandler

    class Home(TornadoVoilaTreeHandler):
        def get(self, path: str = "") -> None:
            self.redirect(url)

    class Shutdown(VoilaShutdownKernelHandler):
        """A page leaving asks for its kernel's shutdown with ``navigator.sendBeacon``, which
        cannot carry the XSRF header: Voila answers 403 and the kernel stays (voila issue
        1458). Accepted here without it: the kernel id is a random UUID no other page knows,
        and the most a request could do is close a page's kernel."""

        def check_xsrf_cookie(self) -> None:
            return None

    class App(Voila):
        def init_handlers(self) -> list:
            conf = {"voila_configuration": self.voila_configuration}
            ours = [(self.server_url, Home, conf)]
            ours.append((self.server_url + r"voila/tree(/.*)?", Home, conf))
            ours.append((self.server_url + r"voila/api/shutdown/(.*)", Shutdown))
            return ours + super().init_handlers()

        def launch_browser(self) -> None:  # Voila calls it once it listens
            ready()

    return App


def serve(
    port: object = None, open_browser: bool = True, announce: Callable[[str], None] = print
) -> None:
    """Serve the app until Ctrl-C; ``announce`` receives the address once it is known.

    Raises WorkbookError for a port that is taken or is no port (see :func:`check_port`).
    """
    port = free_port() if port is None else check_port(port)
    base = Path(tempfile.mkdtemp(prefix="cpt-workbook-app-"))
    url = f"http://{HOST}:{port}/voila/render/code_card.ipynb"

    def ready() -> None:
        announce(url)
        if open_browser:
            open_page(url)

    try:
        root, downloads = prepare(base)
        os.environ[DOWNLOADS_ENV] = str(downloads)
        os.environ[FILES_URL_ENV] = "/voila/files/downloads/"
        paths = [str(base / "jupyter"), str(templates_dir()), os.environ.get("JUPYTER_PATH", "")]
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in paths if p)
        os.environ["IPYTHONDIR"] = str(base / "ipython")
        app = _app_class(url, ready)()
        # the code card, the page opened first, waits ready in a kernel that ran it already
        warm = {"default": {"pool_size": 0}, "code_card.ipynb": {"pool_size": 1}}
        app.config.VoilaKernelManager.kernel_pools_config = warm
        app.initialize(voila_args(root, port))
        # jupyter_server's default pong timeout (90 s) exceeds its ping interval (30 s), and
        # tornado says so on every page opened; an uploaded export comes in one message, which
        # tornado caps at 10 MB
        app.tornado_settings = {
            **app.tornado_settings,
            "ws_ping_timeout": 30_000,
            "websocket_max_message_size": UPLOAD_MB * 1024 * 1024,
        }
        logging.getLogger("tornado.access").setLevel(logging.ERROR)
        app.start()  # returns after Ctrl-C, its kernels shut down
    finally:
        shutil.rmtree(base, ignore_errors=True)
