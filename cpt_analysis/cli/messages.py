"""The one line on stderr in which the command reports a mistake."""

from __future__ import annotations

import sys


def say(message: str) -> None:
    """Print one error line on stderr; line breaks a user typed are shown, not obeyed."""
    text = message.replace("\r", "\\r").replace("\n", "\\n")
    print(f"cpt-workbook: error: {text}", file=sys.stderr)
