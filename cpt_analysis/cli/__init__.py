"""The ``cpt-workbook`` command: a thin layer of argument parsing and printing.

:mod:`.parser` builds the command line; each command's options and its function live with its
concern: :mod:`.fees` (lookup, localities), :mod:`.reference` (import-cms, icd10, store),
:mod:`.reports` (run, notebooks), :mod:`.practice` (practice) and :mod:`.articles` (article,
ingest); :mod:`.options` declares once the options several commands share.

A user's mistake prints one line on stderr (what was wrong, what to do) and exits with status 2,
without a traceback.
"""

from __future__ import annotations

import os
import sys

from ..errors import WorkbookError
from .messages import say
from .parser import build_parser

__all__ = ["build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 for a user's mistake).

    Without a command it prints the help. A user's mistake, a file the system refuses and an
    interrupted run each end in one line on stderr, never a traceback; an unexpected failure
    says so in one line (exit 3) unless ``CPT_WORKBOOK_DEBUG`` is set.
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except WorkbookError as exc:
        say(str(exc))
        return 2
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        say("interrupted: nothing more was written")
        return 130
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        say(f"{exc.strerror or exc}{where}: check the path and its permissions")
        return 2
    except Exception as exc:
        if os.environ.get("CPT_WORKBOOK_DEBUG"):
            raise
        say(
            f"unexpected {type(exc).__name__}: {exc}: please report it "
            "(set CPT_WORKBOOK_DEBUG=1 to see where it happened)"
        )
        return 3
    return status or 0


def _quiet_stdout() -> None:
    """After a closed pipe (``| head``), point stdout at devnull so Python's exit flush is
    silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
