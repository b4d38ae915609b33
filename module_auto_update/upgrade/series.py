# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What differs between Odoo 17.0, 18.0 and 19.0, in one place.

Every name of Odoo that the addon uses and that differs between the series
it runs on is reached through this module (``docs/series.rst`` lists them
with the series of each); the rest of the upgrade layer, the command line
and the models call these functions and never test a version. The pure core
(``core/``) knows no series.

``SERIES`` is the running Odoo's (``odoo.release.series``: ``"18.0"``),
``MAJOR`` its first number. Supported: 18.0 and 19.0; 17.0 is not yet (see
``docs/series.rst``, "What remains").
"""

import os
from datetime import datetime

import odoo.models
import odoo.modules.module
import odoo.release
import odoo.sql_db
from odoo.modules.registry import Registry
from odoo.tools import config

SERIES = odoo.release.series
MAJOR = odoo.release.version_info[0]

# The command's name: 19.0 requires ``[a-z][a-z0-9_]*`` equal to the file's name
# (``cli/auto_upgrade.py``); 18.0 keeps the name it was published with.
COMMAND = "auto_upgrade" if MAJOR >= 19 else "auto-upgrade"

# The field of actions and menus that restricts them to groups (``group_ids`` since 19.0).
GROUPS_FIELD = "group_ids" if MAJOR >= 19 else "groups_id"


def clear_caches(registry):
    """Empty the ORM caches of ``registry`` that hold what the run writes by SQL (and tell the
    other processes): 18.0 keeps ``ir.config_parameter``'s values in the ``default`` cache,
    19.0 in ``stable``, which ``clear_cache()`` alone leaves stale."""
    registry.clear_cache(*(("default", "stable") if MAJOR >= 19 else ("default",)))


class NotUpgraded(Exception):
    """The loader returned without upgrading addons it was asked to upgrade."""


# The loader's entry point -----------------------------------------------------


def load_registry(dbname, names):
    """Load the registry of ``dbname`` as ``odoo-bin -u names`` does, and return it.

    Odoo marks ``names`` (``button_upgrade``: their dependents, their new
    dependencies), loads every pending addon, and registers the new registry.
    18.0 reads the addons to upgrade from ``config["update"]`` (reset here
    afterwards, whatever happens); 19.0 takes them as ``upgrade_modules=``
    of a keyword-only ``Registry.new`` and ignores ``config["update"]``.

    :raises NotUpgraded: when an addon of ``names`` is not among those the
        loader upgraded (``registry.updated_modules``): the 18.0 call on 19.0
        returns without error having upgraded nothing, which must never be
        reported as done.
    """
    names = list(names)
    if MAJOR >= 19:
        registry = Registry.new(dbname, update_module=True, upgrade_modules=names)
    else:
        config["update"] = dict.fromkeys(names, 1)
        try:
            registry = Registry.new(dbname, update_module=True)
        finally:
            config["update"] = {}
    missed = sorted(set(names) - set(registry.updated_modules))
    if missed:
        raise NotUpgraded(
            f"Odoo {SERIES}'s loader returned without upgrading {', '.join(missed)}: nothing was upgraded or saved."
        )
    return registry


def new_updates(args, kwargs):
    """Whether a call ``Registry.new(db_name, *args, **kwargs)`` updates modules (``-u``, ``-i``,
    an install, the reload after an uninstall) rather than only loading the registry.

    18.0: ``new(db_name, force_demo=False, status=None, update_module=False)``;
    19.0: keyword-only ``update_module``, ``install_modules``, ``upgrade_modules``,
    ``reinit_modules``, any of which updates.
    """
    if MAJOR >= 19:
        keys = ("update_module", "install_modules", "upgrade_modules", "reinit_modules")
        return any(kwargs.get(key) for key in keys)
    return bool(args[2] if len(args) > 2 else kwargs.get("update_module"))


def in_test_mode(registry):
    """Whether ``registry`` is in Odoo's test mode: its cursors are the test's, and nothing may commit.

    18.0's registry says so (``in_test_mode()``: a test cursor is set); 19.0's has no test
    mode (its tests patch ``Registry.cursor``): a test is running (``current_test``).
    """
    probe = getattr(registry, "in_test_mode", None)
    if probe is not None:
        return bool(probe())
    return bool(odoo.modules.module.current_test)


def unique_constraints(*constraints):
    """Class decorator of a model: its SQL constraints, each ``(name, definition, message)``.

    18.0 reads ``_sql_constraints``; 19.0 ignores it (with a warning) and reads
    ``models.Constraint`` attributes, here ``_name``: the constraint is named
    ``{table}_{name}`` in the database on both.
    """

    def decorate(cls):
        if MAJOR >= 19:
            for name, definition, message in constraints:
                constraint = odoo.models.Constraint(definition, message)
                setattr(cls, f"_{name}", constraint)
                constraint.__set_name__(cls, f"_{name}")
        else:
            cls._sql_constraints = list(constraints)
        return cls

    return decorate


# Cursors ------------------------------------------------------------------------

if MAJOR >= 19:

    class SavepointCursor(odoo.sql_db.Cursor):
        """A savepoint cursor on ``cursor``, serialised by ``lock``: 19.0's test cursor
        (``odoo.tests.test_cursor.TestCursor``), usable outside a test.

        19.0's loader asserts a real ``odoo.sql_db.Cursor`` (``load_module_graph``), its
        ``TestCursor`` is not one and needs an active test, and importing ``odoo.tests`` in
        a server logs an error: this is a ``Cursor`` that never sets up a connection of
        its own and behaves as that test cursor (what it reads goes to ``cursor``).
        """

        _cursors_stack = []
        readonly = False  # (Cursor's is a property of its connection)

        def __init__(self, cursor, lock):  # pylint: disable=super-init-not-called
            odoo.sql_db.BaseCursor.__init__(self)  # not Cursor's, which borrows a connection
            self._now = None
            self._closed = False
            self._cursor = cursor
            self._lock = lock
            self._lock.acquire()
            self._cursors_stack.append(self)
            self._savepoint = None

        def _check_savepoint(self):
            if not self._savepoint:
                self._savepoint = odoo.sql_db.Savepoint(self._cursor._obj)

        def execute(self, *args, **kwargs):
            assert not self._closed, "Cannot use a closed cursor"
            self._check_savepoint()
            return self._cursor.execute(*args, **kwargs)

        def close(self):
            if not self._closed:
                try:
                    self.rollback()
                    if self._savepoint:
                        self._savepoint.close(rollback=False)
                finally:
                    self._closed = True
                    self._cursors_stack.remove(self)
                    self._lock.release()

        def commit(self):
            self.flush()
            if self._savepoint:
                self._savepoint.close(rollback=False)
                self._savepoint = None
            self.clear()
            self.prerollback.clear()
            self.postrollback.clear()
            self.postcommit.clear()

        def rollback(self):
            self.clear()
            self.postcommit.clear()
            self.prerollback.run()
            if self._savepoint:
                self._savepoint.close(rollback=True)
                self._savepoint = None
            self.postrollback.run()

        def __getattr__(self, name):
            return getattr(self._cursor, name)

        def __del__(self):
            pass  # nothing of its own to close: the run's cursor is

        def dictfetchone(self):
            return self._cursor.dictfetchone()

        def dictfetchmany(self, size):
            return self._cursor.dictfetchmany(size)

        def dictfetchall(self):
            return self._cursor.dictfetchall()

        def now(self):
            if self._now is None:
                self._now = datetime.now()
            return self._now

        @property
        def closed(self):
            return self._closed or self._cursor.closed

else:
    from odoo.sql_db import TestCursor as _TestCursor

    class SavepointCursor(_TestCursor):
        """A savepoint cursor on ``cursor`` (18.0's ``odoo.sql_db.TestCursor``), serialised by ``lock``."""

        def __init__(self, cursor, lock):
            super().__init__(cursor, lock, readonly=False)


def pooled_connections():
    """The psycopg2 connections of this process's connection pools (read-write and read-only).

    18.0's pools hold ``[connection, used, last_used]`` lists, 19.0's the connections.
    """
    found = []
    for pool in (getattr(odoo.sql_db, "_Pool", None), getattr(odoo.sql_db, "_Pool_readonly", None)):
        for entry in list(getattr(pool, "_connections", None) or ()):
            found.append(entry[0] if isinstance(entry, (list, tuple)) else entry)
    return found


# Configuration ------------------------------------------------------------------


def config_text(option):
    """A list option of Odoo's configuration (``db_name``, ``server_wide_modules``) as comma-separated
    text, or ``""``: 18.0 keeps them as text, 19.0 as lists."""
    value = config[option]
    if isinstance(value, (list, tuple)):
        return ",".join(value)
    return value or ""


def skipped_addons_folders(given):
    """The folders of ``given`` (an ``--addons-path`` value, or None) that Odoo left out of its addons
    path: 19.0 skips, with a warning, a folder that does not exist or holds no addon, where 18.0's
    parser refuses it (exit 2: nothing is left to find here)."""
    if MAJOR < 19 or not given:
        return []
    kept = set(config["addons_path"])
    folders = [config._normalize(path) for path in given.split(",") if path.strip()]
    return [folder for folder in dict.fromkeys(folders) if folder not in kept]


def server_wide_modules():
    """The server-wide modules (``--load``): ``odoo.conf.server_wide_modules`` in 18.0, gone in
    19.0, where ``config["server_wide_modules"]`` is the list."""
    conf = getattr(odoo, "conf", None)
    if conf is not None and hasattr(conf, "server_wide_modules"):
        return list(conf.server_wide_modules or ())
    return [name for name in config_text("server_wide_modules").split(",") if name.strip()]


# Manifests ----------------------------------------------------------------------


def manifest_file(path):
    """The manifest file of the addon in folder ``path``, or None (18.0's ``module_manifest``;
    19.0 reads it through ``Manifest``)."""
    for name in odoo.modules.module.MANIFEST_NAMES:
        candidate = os.path.join(path, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def forget_manifests():
    """Make Odoo read manifests from disk again: 18.0's ``_get_manifest_cached``, 19.0's
    ``Manifest._get_manifest_from_addons`` (both ``lru_cache``)."""
    module = odoo.modules.module
    manifest = getattr(module, "Manifest", None)
    cached = manifest._get_manifest_from_addons if manifest is not None else module._get_manifest_cached
    cached.cache_clear()


def package_manifest(package):
    """The manifest of a node of the loader's module graph (18.0's ``package.info``, 19.0's
    ``package.manifest``), ``{}`` when it has none."""
    return getattr(package, "manifest", None) or getattr(package, "info", None) or {}


def read_manifest(name):
    """The manifest of addon ``name``, read and validated by Odoo as it would load it; raises what
    Odoo raises for an invalid one (18.0's ``load_manifest``, deprecated in 19.0 for ``Manifest``)."""
    module = odoo.modules.module
    manifest = getattr(module, "Manifest", None)
    if manifest is None:
        return module.load_manifest(name)
    found = manifest.for_addon(name)
    return dict(found) if found else {}
