# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The pure core bound to the running Odoo: its addon lookup and its data_dir.

The plain SQL readers live in ``core.stored`` and the inspection in
``core.inspection``; the quick start binds the same functions to a lookup of its
own, made without importing Odoo, so both decide alike.
"""

import hashlib
import os
import sys

import odoo.release
from odoo.modules.module import get_module_path
from odoo.tools import config

from ..core import inspection


def addon_path(name):
    path = get_module_path(name, display_warning=False)
    return path if path and os.path.isdir(path) else False


def read_fingerprint_settings(cr):
    return inspection.read_fingerprint_settings(cr, config["data_dir"])


def current_fingerprints(names, settings=None, cr=None):
    """See core.inspection.current_fingerprints, with Odoo's addon lookup.

    ``settings``, or the database's own, read with ``cr``.
    """
    return inspection.current_fingerprints(names, settings or read_fingerprint_settings(cr), addon_path)


def inspect(cr, **scope):
    """See core.inspection.inspect, with Odoo's addon lookup, data_dir and series."""
    return inspection.inspect(cr, addon_path, config["data_dir"], odoo.release.series, **scope)


# {path: digest} of the Python files of addons this process imported, taken
# when its registry was ready (the file as it was then).
_IMPORTED = {}


def _file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def _imported_files(prefix="odoo.addons."):
    """The files of the Python modules under ``prefix`` that this process imported."""
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith(prefix) or module_name == prefix.rstrip("."):
            path = getattr(module, "__file__", None)
            if path and path.endswith(".py"):
                yield path


def remember_imported():
    """Digest, once, each Python file of an addon this process has imported (see python_changed)."""
    for path in _imported_files():
        if path not in _IMPORTED:
            try:
                _IMPORTED[path] = _file_digest(path)
            except OSError:
                continue


def python_changed(name):
    """Whether Python code of addon ``name`` that this process imported differs from the disk now.

    A running Odoo never imports an addon's code again: what it runs is what
    it imported. A file it did not import (new, or a migration script, which
    Odoo reads afresh) does not count.
    """
    return bool(python_changed_files(name))


def python_changed_files(name):
    """The files of ``python_changed``, relative to the addon's folder as imported, in order."""
    package = sys.modules.get(f"odoo.addons.{name}")
    top = os.path.dirname(getattr(package, "__file__", None) or "") or None
    changed = []
    for path in _imported_files(f"odoo.addons.{name}."):
        if path not in _IMPORTED:
            continue
        try:
            same = _file_digest(path) == _IMPORTED[path]
        except OSError:
            same = False  # imported, and gone since
        if not same:
            changed.append(os.path.relpath(path, top) if top else os.path.basename(path))
    return sorted(changed)
