"""Writing files safely: to a temporary file beside the target, renamed over it only once
complete, so a failed write never destroys good data."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import WorkbookError


def _mode(target: Path) -> int:
    """Permissions for a written file: those of the file it replaces, else 0666 less umask."""
    if target.exists():
        return target.stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(target: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``target``, then rename it onto ``target``.

    Returns the target path. If ``write`` raises, the temporary file is removed, the error is
    re-raised and an existing ``target`` is left exactly as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _mode(target))  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def check_output(target: str | Path, inputs=(), others=(), what: str = "output") -> Path:
    """Return ``target`` if a file may be written there; raise WorkbookError (one line) for a
    folder, a path equal to one of ``inputs`` (never overwritten) or to another output in
    ``others`` (paths compared once resolved, so ``./a.csv`` equals ``a.csv``)."""
    path = Path(target).expanduser()
    if path.is_dir():
        raise WorkbookError(f"{what} {target} is a folder", "give a file name, such as out.csv")
    real = path.resolve()
    for given in inputs:
        if given is not None and Path(given).expanduser().resolve() == real:
            raise WorkbookError(
                f"{what} {target} is an input file, which is never overwritten",
                "write to another file name",
            )
    for given in others:
        if given is not None and Path(given).expanduser().resolve() == real:
            raise WorkbookError(
                f"{what} {target} is also another output", "give each output its own file name"
            )
    return path
