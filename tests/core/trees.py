# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Addon folders for the core's tests, written from ``{relpath: bytes}``."""

from pathlib import Path


def make(top, files):
    """Write ``files`` (``{relpath: bytes}``) under the folder ``top``; return it as a string."""
    for relpath, content in files.items():
        path = Path(top) / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return str(top)
