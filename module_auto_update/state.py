"""What the database and the disk say, read without an Odoo registry.

The plain SQL readers live in ``core.stored`` and the comparison in
``core.check``; this module binds them to the running Odoo: its addon
lookup (``odoo.addons.__path__``) and its ``data_dir``.
"""

import os

import odoo
from odoo.modules.module import get_module_path
from odoo.tools import config

from .core import check
from .core.check import digests  # noqa: F401  (re-exported for the Odoo layer)
from .core.stored import (  # noqa: F401  (re-exported for the Odoo layer)
    CHECKSUM_TABLE,
    PARAM_INSTALLED_CHECKSUMS,
    PENDING_STATES,
    get_param,
    modules_in_state,
    saved_checksums,
    saved_file_checksums,
    table_exists,
)

ODOO_DIR = os.path.dirname(os.path.realpath(odoo.__file__))


def addon_path(name):
    path = get_module_path(name, display_warning=False)
    return path if path and os.path.isdir(path) else False


def fingerprint_settings(cr):
    return check.fingerprint_settings(cr, config["data_dir"])


def current_fingerprints(names, settings):
    """See core.check.current_fingerprints, with Odoo's addon lookup."""
    return check.current_fingerprints(names, settings, addon_path)


def inspect(cr, **scope):
    """See core.check.inspect, with Odoo's addon lookup and data_dir."""
    return check.inspect(cr, addon_path, config["data_dir"], ODOO_DIR, **scope)


def storable_files(files):
    """``{relpath: sha1}`` with keys PostgreSQL's JSON accepts.

    A file name that is not valid UTF-8 reaches Python with lone surrogates,
    which PostgreSQL refuses in JSON: its bytes are written as ``\\xNN``.
    """
    return {os.fsencode(path).decode("utf-8", "backslashreplace"): sha for path, sha in files.items()}
