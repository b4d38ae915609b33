# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What differs between Odoo 17.0, 18.0 and 19.0, in one place.

Every name of Odoo that the addon uses and that differs between the series
it runs on is reached through this module (``docs/series.rst`` lists them
with the series of each); the rest of the upgrade layer, the command line
and the models call these functions and never test a version. The pure core
(``core/``) knows no series.

``SERIES`` is the running Odoo's (``odoo.release.series``: ``"18.0"``),
``MAJOR`` its first number. Supported: 17.0, 18.0 and 19.0 (see
``docs/series.rst`` for what of each is proven).
"""

import itertools
import os
import threading
from contextlib import closing, contextmanager, nullcontext
from datetime import datetime

from lxml import etree
from markupsafe import Markup, escape

import odoo.models
import odoo.modules.migration
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

# The root tag of list views: ``tree`` up to 17.0, ``list`` since 18.0 (which refuses ``tree``).
# The data files write ``<list>`` and load list views through ``list_view_arch``.
LIST_TAG = "list" if MAJOR >= 18 else "tree"

# The web client's path: ``/web`` up to 17.0, ``/odoo`` since 18.0 (see ``web_client_url``).
WEB_CLIENT = "/odoo" if MAJOR >= 18 else "/web"

# What a scheduled action needs to run for ever: 17.0's ``ir.cron.numbercall`` counts the runs
# left (default 1: once, then the action deactivates); 18.0 dropped the field.
CRON_FOREVER = {} if MAJOR >= 18 else {"numbercall": -1}


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

    17.0's and 18.0's registry says so (``in_test_mode()``: a test cursor is set); 19.0's has no
    test mode (its tests patch ``Registry.cursor``): a test is running (``testing()``).
    """
    probe = getattr(registry, "in_test_mode", None)
    if probe is not None:
        return bool(probe())
    return testing()


def testing():
    """Whether Odoo runs tests in this thread, where the test owns the transaction.

    18.0 and 19.0 set ``odoo.modules.module.current_test`` while a suite runs; 17.0 sets it
    only for the suites of an addon it loads, and marks every thread that runs tests
    (``--test-file`` too) with ``threading.current_thread().testing``.
    """
    if odoo.modules.module.current_test:
        return True
    return MAJOR < 18 and bool(getattr(threading.current_thread(), "testing", False))


def in_scheduled_action(context):
    """Whether ``context`` is that of a scheduled action Odoo runs (its cron runner, or *Run
    Manually*): 18.0 adds the job's progress (``ir_cron_progress_id``); 17.0 only the job's last
    call (``lastcall``, None before its first)."""
    if MAJOR >= 18:
        return bool(context.get("ir_cron_progress_id"))
    return "lastcall" in context


def running_job(env):
    """The id of the scheduled action whose job runs in ``env`` (0 when none is known), whose row
    Odoo's cron runner holds for as long as the job runs: 18.0 says it (``cron_id`` in the
    context); 17.0 does not, and a job that runs this addon's code is its own scheduled action."""
    if MAJOR >= 18:
        return env.context.get("cron_id") or 0
    if not in_scheduled_action(env.context):
        return 0
    own = env.ref("module_auto_update.cron_upgrade_changed_checksum", raise_if_not_found=False)
    return own.id if own else 0


def check_signaling(original, registry, cr=None):
    """Call ``original``, a ``Registry.check_signaling``, on ``registry``: 18.0's reads the
    sequences on ``cr`` when given one; 17.0's takes no cursor and opens its own."""
    if MAJOR >= 18:
        return original(registry, cr)
    return original(registry)


def signaling_cursor(registry, cr=None):
    """A context manager yielding the cursor that ``check_signaling`` is to read on: ``cr``,
    else one of ``registry`` opened for it (closed afterwards); None on 17.0, whose
    ``check_signaling`` opens its own."""
    if cr is not None or MAJOR < 18:
        return nullcontext(cr)
    return closing(registry.cursor())


def translator(env):
    """``env._`` (18.0 on): ``translate(source, *args, **kwargs)``, ``source`` translated into the
    language of ``env`` and formatted with the arguments.

    17.0's ``Environment`` has no ``_``: the addon's own Python terms (code translations of
    ``module_auto_update``, the only module that calls this) in ``env.lang``.
    """
    found = getattr(env, "_", None)
    if found is not None:
        return found
    from odoo.tools.translate import code_translations

    def translate(source, *args, **kwargs):
        assert not (args and kwargs), "Use args or kwargs, not both"
        lang = env.lang or "en_US"
        text = source
        if lang != "en_US":
            text = code_translations.get_python_translations("module_auto_update", lang).get(source, source)
        params = args or kwargs
        if not params:
            return text
        if any(isinstance(value, Markup) for value in itertools.chain(args, kwargs.values())):
            text = escape(text)
        try:
            return text % params
        except (TypeError, ValueError, KeyError):
            return source % params  # a bad translation: the source, as Odoo's ``_`` does

    return translate


def list_view_arch(arch):
    """``arch``, a list view written ``<list>``, with the running series' root tag (``LIST_TAG``)."""
    root = etree.fromstring(arch.strip().encode())
    root.tag = LIST_TAG
    return etree.tostring(root, encoding="unicode")


def web_client_url(debug=False, action=None):
    """The web client's URL (a path), in developer mode with ``debug``, opened on the window action
    ``action`` (an XML ID): 18.0's ``/odoo/action-XMLID``, 17.0's ``/web#action=XMLID``."""
    query = "?debug=1" if debug else ""
    if action is None:
        return WEB_CLIENT + query
    if MAJOR >= 18:
        return f"{WEB_CLIENT}/action-{action}{query}"
    return f"{WEB_CLIENT}{query}#action={action}"


def parse_config(args):
    """Odoo's ``config.parse_config(args)``, the logging set up as ``odoo-bin`` does: 18.0 asks for
    it (``setup_logging=True``); 17.0 always sets it up and has no such keyword."""
    if MAJOR >= 18:
        return config.parse_config(args, setup_logging=True)
    return config.parse_config(args)


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

elif MAJOR >= 18:
    from odoo.sql_db import TestCursor as _TestCursor

    class SavepointCursor(_TestCursor):
        """A savepoint cursor on ``cursor`` (18.0's ``odoo.sql_db.TestCursor``), serialised by ``lock``."""

        def __init__(self, cursor, lock):
            super().__init__(cursor, lock, readonly=False)

else:
    SavepointCursor = odoo.sql_db.TestCursor  # 17.0's: (cursor, lock), its savepoint made at once


def savepoint(cr):
    """A savepoint (``odoo.sql_db.Savepoint``) on the connection of Odoo cursor ``cr``, for a block
    to go back to whatever its inner cursors did: 18.0's and 19.0's on the psycopg2 cursor under
    ``cr`` (out of Odoo's query log); 17.0's sends ``SQL`` objects, which only ``cr`` executes."""
    return odoo.sql_db.Savepoint(cr if MAJOR < 18 else cr._obj)


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


# Migration scripts ----------------------------------------------------------------


@contextmanager
def migration_scripts(around):
    """For the block, Odoo runs each migration script, in any thread, as ``around(run, addon,
    stage, version, pyfile)``, where ``run()`` runs it (and returns what it returns).

    18.0 and 19.0 run each script through ``odoo.modules.migration.exec_script``, which is
    wrapped. 17.0 has none: ``MigrationManager.migrate_module(pkg, stage)`` loads each script
    (``load_script``) and calls its ``migrate(cr, installed_version)``; there the ``migrate`` of
    each script loaded inside ``migrate_module`` is wrapped, and the version is the folder the
    script is in. ``pyfile`` may be a file Odoo skips (not ``.py``: 18.0 passes it, and returns).
    """
    migration = odoo.modules.migration
    if hasattr(migration, "exec_script"):
        original = migration.exec_script

        def exec_script(cr, installed_version, pyfile, addon, stage, version=None):
            def run():
                return original(cr, installed_version, pyfile, addon, stage, version)

            return around(run, addon, stage, version or installed_version, pyfile)

        migration.exec_script = exec_script
        try:
            yield
        finally:
            migration.exec_script = original
        return

    manager, load_script = migration.MigrationManager, migration.load_script
    migrate_module = manager.migrate_module
    loading = threading.local()  # the (addon, stage) that migrate_module runs in this thread

    def migrating_module(self, pkg, stage):
        loading.current = (pkg.name, stage)
        try:
            return migrate_module(self, pkg, stage)
        finally:
            loading.current = None

    def loading_script(path, module_name):
        module = load_script(path, module_name)
        current, migrate = getattr(loading, "current", None), getattr(module, "migrate", None)
        if current and callable(migrate):
            addon, stage = current
            version = os.path.basename(os.path.dirname(path))

            def run_migrate(cr, installed_version):
                return around(lambda: migrate(cr, installed_version), addon, stage, version, path)

            module.migrate = run_migrate
        return module

    manager.migrate_module, migration.load_script = migrating_module, loading_script
    try:
        yield
    finally:
        manager.migrate_module, migration.load_script = migrate_module, load_script


def migration_script_frame(frame):
    """``(addon, stage, pyfile)`` when ``frame`` is the loader's running of one migration script
    (in a traceback), else None: 18.0's and 19.0's ``exec_script``; 17.0's ``migrate_module``,
    which runs them itself (its loop's ``pyfile``, the addon its ``pkg``'s)."""
    code, f_locals = frame.f_code.co_name, frame.f_locals
    if not f_locals.get("pyfile"):
        return None
    if code == "exec_script" and "addon" in f_locals:
        return f_locals["addon"], f_locals.get("stage"), f_locals["pyfile"]
    if code == "migrate_module" and MAJOR < 18 and f_locals.get("pkg") is not None:
        return getattr(f_locals["pkg"], "name", None), f_locals.get("stage"), f_locals["pyfile"]
    return None
