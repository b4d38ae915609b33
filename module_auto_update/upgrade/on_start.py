# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Upgrade on start: a starting Odoo upgrades the changed addons of a database
before its registry serves anything.

Loaded as a server-wide module (``--load=base,web,module_auto_update``) with
``auto_upgrade_on_start = True`` in the configuration file (or the
environment variable ``ODOO_AUTO_UPGRADE_ON_START=1``), the addon wraps
``Registry.new``: before a registry is built for serving (``update_module``
false), the run protocol (``run.run``) compares the fingerprints with plain SQL and, when
something changed, upgrades under the database's advisory lock. A database
that never recorded fingerprints (another database of the server, that does
not use this addon) is left alone. A process
that finds the lock taken waits (``auto_upgrade_lock_timeout``, default
600 s), then finds nothing left to do and loads the upgraded registry.

One registry load per start, as with ``odoo-bin -u``: when the run upgraded
(``done``), the registry that its upgrade loaded serves, as Odoo serves the
registry that its own update loaded (``preload_registries``). That registry
went through all of ``Registry.new`` (ready, its signal held back:
``signaling``) inside the run's transaction, and the run told every process
to reload once it committed (``run._reload_everywhere``), so it stands as
Odoo would have built it from the committed database. Any other outcome
(nothing to do, a failure, a run that found no registry of its own to hand
over) builds the registry as Odoo does.
"""

import logging
import os
import threading
from contextlib import closing, contextmanager

import odoo
import odoo.sql_db
from odoo.modules.registry import Registry
from odoo.tools import config

from ..core import results, stored
from . import run, series

_logger = logging.getLogger(__name__)

ENABLE_OPTION = "auto_upgrade_on_start"
ENABLE_VARIABLE = "ODOO_AUTO_UPGRADE_ON_START"
LOCK_TIMEOUT_OPTION = "auto_upgrade_lock_timeout"
DEFAULT_LOCK_TIMEOUT = 600.0
LOCK_WAIT_OPTION = "auto_upgrade_lock_wait"
ATTEMPTS_OPTION = "auto_upgrade_attempts"
ALLOW_UNRUN_OPTION = "auto_upgrade_allow_unrun_migrations"
_disabled = False
# The run on start under way in this thread, if any (see post_load).
_local = threading.local()


def disable():
    """For a process that upgrades by itself (the auto-upgrade command)."""
    global _disabled  # noqa: PLW0603
    _disabled = True


def enabled():
    value = os.environ.get(ENABLE_VARIABLE) or config.get(ENABLE_OPTION)
    return (
        not _disabled
        and str(value).strip().lower() in run.TRUE
        # Only as a server-wide module: otherwise the hook would be installed
        # by the first registry that loads the addon, too late for it.
        and "module_auto_update" in series.server_wide_modules()
    )


def upgrade_before_load(dbname):
    request = run.Request(
        lock_timeout=run.number(config.get(LOCK_TIMEOUT_OPTION), DEFAULT_LOCK_TIMEOUT, LOCK_TIMEOUT_OPTION),
        lock_wait=run.number(config.get(LOCK_WAIT_OPTION), run.DEFAULT_LOCK_WAIT, LOCK_WAIT_OPTION),
        attempts=int(run.number(config.get(ATTEMPTS_OPTION), run.DEFAULT_ATTEMPTS, ATTEMPTS_OPTION)),
        allow_unrun_migrations=run.flag(config.get(ALLOW_UNRUN_OPTION), ALLOW_UNRUN_OPTION),
        trigger=results.SERVER_START,
    )
    with closing(odoo.sql_db.db_connect(dbname).cursor()) as cr:
        if not stored.is_managed(cr):
            # Another database of the server, that does not use this addon.
            _logger.info("%s: no fingerprint recorded, left alone", dbname)
            return results.Result(dbname, results.NOT_MANAGED)
        outcome = run.run(cr, request)
    if outcome.result in (results.FAILED, results.INCOMPLETE, results.BUSY):
        # The registry is loaded anyway: Odoo then behaves as it would without
        # the upgrade on start (and fails loudly if the code needs the upgrade).
        _logger.error("%s: upgrade on start %s: %s", dbname, outcome.result, outcome.error)
    return outcome


class _Start:
    """One run on start: the registry that its upgrade loaded, if any (``noted``)."""

    def __init__(self, dbname):
        self.dbname = dbname
        self.registry = None

    def noted(self, registry):
        """Record ``registry``, just loaded by ``Registry.new(update_module=True)`` in this thread."""
        if registry.db_name == self.dbname:
            self.registry = registry  # an uninstall's reload returns last: the registry that stays


@contextmanager
def _start(dbname):
    """The run on start of ``dbname`` in this thread for the block; yields its ``_Start``."""
    previous, _local.start = getattr(_local, "start", None), _Start(dbname)
    try:
        yield _local.start
    finally:
        _local.start = previous


def upgraded_registry(start, outcome):
    """The registry that the run's upgrade loaded, to serve as it is, or None.

    Only after a run that upgraded and committed (``done``), and only the
    registry its own ``Registry.new(update_module=True)`` returned, still the
    registered one of the database and ready: ``Registry.new`` finished it
    (``_init`` off, ``ready``, its signal held back) and the run, after its
    commit, cleared its cache and signalled every process to reload
    (``run._reload_everywhere``). A failed run puts the registry from before
    it back (``run._kept_registry``), which is then not the one noted here.
    """
    registry = start.registry
    if outcome.result != results.DONE or registry is None or not registry.ready:
        return None
    try:
        registered = Registry.registries[start.dbname]
    except KeyError:
        return None
    return registry if registered is registry else None


def post_load():
    """Wrap ``Registry.new`` once; the wrapper acts only when enabled()."""
    if getattr(Registry.new, "_auto_upgrade_on_start", False):
        return
    original = Registry.new.__func__

    def new(cls, db_name, *args, **kwargs):
        # An update is already under way (ours, -u, -i, the in-Odoo method,
        # the reload after an uninstall): leave it alone.
        if series.new_updates(args, kwargs):
            registry = original(cls, db_name, *args, **kwargs)
            start = getattr(_local, "start", None)
            if start is not None:
                start.noted(registry)
            return registry
        if not enabled():
            return original(cls, db_name, *args, **kwargs)
        with _start(db_name) as start:
            outcome = upgrade_before_load(db_name)
        registry = upgraded_registry(start, outcome)
        if registry is not None:
            # What -u at start serves: the registry the update loaded; no second load.
            _logger.info("%s: serving the registry the upgrade loaded", db_name)
            return registry
        return original(cls, db_name, *args, **kwargs)

    new._auto_upgrade_on_start = True
    Registry.new = classmethod(new)
