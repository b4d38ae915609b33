# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Upgrade on start: a starting Odoo upgrades the changed addons of a database
before its registry serves anything.

Loaded as a server-wide module (``--load=base,web,module_auto_update``) with
``auto_upgrade_on_start = True`` in the configuration file (or the
environment variable ``ODOO_AUTO_UPGRADE_ON_START=1``), the addon wraps
``Registry.new``: before a registry is built for serving (``update_module``
false), the run protocol (``run.run_database``) compares the fingerprints with plain SQL and, when
something changed, upgrades under the database's advisory lock. A process
that finds the lock taken waits (``auto_upgrade_lock_timeout``, default
600 s), then finds nothing left to do and loads the upgraded registry.
"""

import logging
import os

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

from ..core import results
from . import run

_logger = logging.getLogger(__name__)

ENABLE_OPTION = "auto_upgrade_on_start"
ENABLE_VARIABLE = "ODOO_AUTO_UPGRADE_ON_START"
LOCK_TIMEOUT_OPTION = "auto_upgrade_lock_timeout"
DEFAULT_LOCK_TIMEOUT = 600.0
TRIGGER = "server start"
TRUE = ("1", "true", "yes", "on")
_disabled = False


def disable():
    """For a process that upgrades by itself (the auto-upgrade command)."""
    global _disabled  # noqa: PLW0603
    _disabled = True


def enabled():
    value = os.environ.get(ENABLE_VARIABLE) or config.get(ENABLE_OPTION)
    return (
        not _disabled
        and str(value).strip().lower() in TRUE
        # Only as a server-wide module: otherwise the hook would be installed
        # by the first registry that loads the addon, too late for it.
        and "module_auto_update" in odoo.conf.server_wide_modules
    )


def lock_timeout():
    try:
        return float(config.get(LOCK_TIMEOUT_OPTION) or DEFAULT_LOCK_TIMEOUT)
    except ValueError:
        _logger.warning("%s is not a number of seconds; %g s is used.", LOCK_TIMEOUT_OPTION, DEFAULT_LOCK_TIMEOUT)
        return DEFAULT_LOCK_TIMEOUT


def upgrade_before_load(dbname):
    request = run.Request(lock_timeout=lock_timeout(), trigger=TRIGGER, only_managed=True)
    outcome = run.run_database(dbname, request)
    if outcome["result"] in (results.FAILED, results.INCOMPLETE, results.BUSY):
        # The registry is loaded anyway: Odoo then behaves as it would without
        # the upgrade on start (and fails loudly if the code needs the upgrade).
        _logger.error("%s: upgrade on start %s: %s", dbname, outcome["result"], outcome["error"])
    return outcome


def post_load():
    """Wrap ``Registry.new`` once; the wrapper acts only when enabled()."""
    if getattr(Registry.new, "_auto_upgrade_on_start", False):
        return
    original = Registry.new.__func__

    def new(cls, db_name, force_demo=False, status=None, update_module=False):
        # update_module: an upgrade is already under way (ours, -u, the
        # in-Odoo method, the reload after an uninstall): leave it alone.
        if not update_module and enabled():
            upgrade_before_load(db_name)
        return original(cls, db_name, force_demo, status, update_module)

    new._auto_upgrade_on_start = True
    Registry.new = classmethod(new)
