"""The ``app`` command: the notebooks as a local web app for people who do not write code."""

from __future__ import annotations

import argparse
import sys

from .options import Shared


def add_app(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "app",
        help="start the local web app: code card, RVU explorer, pairings, practice report",
        description="Serve the code card, the RVU explorer, the diagnosis pairings and the "
        "practice report as web pages with pickers and no code, on 127.0.0.1 only, offline; "
        "each page makes the same HTML and Excel reports as `run`. Ctrl-C stops it.",
    )
    p.add_argument(
        "--port", help="port of 127.0.0.1 to serve on, 1024 to 65535 (default: a free one)"
    )
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="print the address only (by default the code card also opens in the desktop's "
        "browser, where there is a display)",
    )
    p.set_defaults(func=_app)


def _app(args: argparse.Namespace) -> int:
    from ..app.server import check_port, serve

    if args.port is not None:
        check_port(args.port)  # refused in one line before anything starts

    def announce(url: str) -> None:
        print(f"The workbook app is at {url} (Ctrl-C stops it)", flush=True)

    try:
        serve(args.port, open_browser=not args.no_browser, announce=announce)
    except KeyboardInterrupt:
        pass
    print("The workbook app stopped.", file=sys.stderr)
    return 0
