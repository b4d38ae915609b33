# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An addon's manifest read from its file, as Odoo reads it: a Python dict literal, never run."""

import ast


def read_manifest_file(manifest_file):
    """``(manifest, source)``: the dict of ``manifest_file`` and its text (blocking entries point at its lines).

    Raises OSError when the file cannot be read, SyntaxError, ValueError or
    TypeError when it holds no dict literal.
    """
    with open(manifest_file, encoding="utf-8") as f:
        source = f.read()
    manifest = ast.literal_eval(source)
    if not isinstance(manifest, dict):
        raise ValueError("it is not a dictionary")
    return manifest, source
