"""The one command line of the maintainers' build scripts: the folder of official CMS files."""

from __future__ import annotations

import argparse
from pathlib import Path

from cpt_analysis import config


def cms_folder(description: str) -> Path:
    """Return the CMS folder named on the command line (default ../shared/cms); ``--help``
    prints ``description``; a path that is not a folder ends in one line, exit 2."""
    default = config.shared_cms_dir()
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "cms_dir", nargs="?", type=Path, default=default,
        help=f"folder of the official CMS files (default {default})",
    )  # fmt: skip
    folder = parser.parse_args().cms_dir
    if not folder.is_dir():
        parser.error(f"{folder} is not a folder of CMS files")
    return folder
