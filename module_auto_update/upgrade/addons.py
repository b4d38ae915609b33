# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The pure core bound to the running Odoo: its addon lookup and its data_dir.

The plain SQL readers live in ``core.stored`` and the comparison in
``core.check``; the quick start binds the same functions to a lookup of its
own, made without importing Odoo, so both decide alike.
"""

import os

import odoo
from odoo.modules.module import get_module_path
from odoo.tools import config

from ..core import check

ODOO_DIR = os.path.dirname(os.path.realpath(odoo.__file__))


def addon_path(name):
    path = get_module_path(name, display_warning=False)
    return path if path and os.path.isdir(path) else False


def fingerprint_settings(cr):
    return check.fingerprint_settings(cr, config["data_dir"])


def current_fingerprints(names, settings=None, cr=None):
    """See core.check.current_fingerprints, with Odoo's addon lookup.

    ``settings``, or the database's own, read with ``cr``.
    """
    return check.current_fingerprints(names, settings or fingerprint_settings(cr), addon_path)


def inspect(cr, **scope):
    """See core.check.inspect, with Odoo's addon lookup and data_dir."""
    return check.inspect(cr, addon_path, config["data_dir"], ODOO_DIR, **scope)
