# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a database stores for us, read and written with plain SQL.

Any DB-API cursor does (an Odoo cursor or a psycopg2 one): the in-Odoo
method, the planner, ``odoo-bin auto-upgrade`` and the quick start share
these, and the last two decide that nothing changed without a registry, the
quick start without even importing Odoo.
"""

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from . import commas, results, watcher

_logger = logging.getLogger(__name__)

PARAM_INSTALLED_CHECKSUMS = "module_auto_update.installed_checksums"
# The SHA-1 of the parameter's value as this addon last wrote it (see rewritten_by_another_tool).
PARAM_WRITTEN = "module_auto_update.installed_checksums_sha1"
PARAM_EXCLUDE_PATTERNS = "module_auto_update.exclude_patterns"
# click-odoo-update's and the OCA addon's (since 18.0): the values recorded are valid for them.
DEFAULT_EXCLUDE_PATTERNS = "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*,tests/*"
PARAM_STAT_CACHE = "module_auto_update.stat_cache"
# Addons never upgraded for a change of theirs, comma-separated: the menu, the
# scheduled action, upgrade on start and the command line honour it.
PARAM_IGNORE_ADDONS = "module_auto_update.ignore_addons"
# Installed addons that exist only in the database, never in the addons path
# (with the data modules imported with base_import_module, see database_only_addons).
DATABASE_ONLY_ADDONS = ("studio_customization",)
CHECKSUM_TABLE = "module_auto_update_checksum"
RUN_TABLE = "module_auto_update_run"
MIGRATION_TABLE = "module_auto_update_migration"
PENDING_STATES = ("to install", "to upgrade", "to remove")
# Set by Odoo's loader (19.0, which commits after each addon) when a load ends with addons still
# pending; the next start of Odoo then loads again to finish them. A run that loads everything
# pending clears it in its transaction.
PARAM_PARTIALLY_UPDATED = "base.partially_updated_database"


def get_param(cr, key, default=None):
    cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", (key,))
    row = cr.fetchone()
    return row[0] if row else default


def table_exists(cr, table):
    cr.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'r'", (table,))
    return bool(cr.fetchone())


def column_exists(cr, table, column):
    cr.execute("SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s", (table, column))
    return bool(cr.fetchone())


def is_odoo(cr):
    """Whether Odoo created its tables in the database (its module list is there)."""
    return table_exists(cr, "ir_module_module")


def is_managed(cr):
    """Whether the database has our table or the legacy parameter."""
    if table_exists(cr, CHECKSUM_TABLE):
        return True
    return table_exists(cr, "ir_config_parameter") and bool(get_param(cr, PARAM_INSTALLED_CHECKSUMS))


def database_names(cr):
    """Every database of the server that accepts connections (not templates)."""
    cr.execute("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname")
    return [name for (name,) in cr.fetchall()]


def managed_databases(names, open_cursor, unreachable):
    """The databases of ``names`` with our table or the legacy parameter.

    ``open_cursor(name)``: a context manager giving a cursor on that
    database; ``unreachable``: the exceptions of one that cannot be opened
    (dropped meanwhile, or not ours to open), which is skipped.
    """
    managed = []
    for name in names:
        if name == "postgres":
            continue
        try:
            with open_cursor(name) as cr:
                if is_managed(cr):
                    managed.append(name)
        except unreachable:
            continue
    return managed


# Odoo names its connections odoo-<pid>, or after the environment variable ODOO_PGAPPNAME with {pid}
# replaced (odoo.sql_db.connection_info_for); PostgreSQL keeps 63 characters of a name.
PGAPPNAME = "ODOO_PGAPPNAME"
DEFAULT_PGAPPNAME = "odoo-{pid}"
NAME_LENGTH = 63
# The host of a session on a Unix socket.
LOCAL_SOCKET = "local socket"


def odoo_application(environ, pid):
    """The application name of the connections of the Odoo process ``pid`` under ``environ``, as Odoo gives it."""
    return environ.get(PGAPPNAME, DEFAULT_PGAPPNAME).replace("{pid}", str(pid))[:NAME_LENGTH]


def _like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def odoo_applications(environ):
    """``(LIKE pattern, regex)`` of the application names of every Odoo process run with ``environ``;
    the regex's first group, if any, is the process id."""
    template = environ.get(PGAPPNAME, DEFAULT_PGAPPNAME)
    before, pid, after = template.partition("{pid}")
    if not pid:
        return _like(template[:NAME_LENGTH]), re.compile(re.escape(template[:NAME_LENGTH]))
    like = _like(before[:NAME_LENGTH]) + "%" + (_like(after) if len(before) + len(after) + 10 <= NAME_LENGTH else "")
    return like, re.compile(re.escape(before[:NAME_LENGTH]) + r"(\d+)")


ODOO_PROCESSES = """SELECT application_name,
                           CASE WHEN client_port = -1 THEN %(socket)s ELSE COALESCE(client_hostname, host(client_addr))
                           END,
                           count(*)
                      FROM pg_stat_activity
                     WHERE datname = current_database() AND pid <> pg_backend_pid()
                       AND application_name LIKE %(like)s
                       AND application_name <> ALL(%(own_names)s::text[]) AND pid <> ALL(%(own_pids)s::int[])
                  GROUP BY 1, 2 ORDER BY 1, 2"""


def odoo_processes(cr, environ, own_names=(), own_pids=()):
    """The Odoo processes connected to the database of ``cr`` now (``pg_stat_activity``), but for the
    connections named ``own_names``, the backends ``own_pids`` and the run's lock watcher:
    ``[{"pid", "application", "host", "connections"}]``, ``pid`` from the application name (None when
    ODOO_PGAPPNAME has no ``{pid}``), ``host`` the client's name or address, ``local socket`` for a
    Unix socket (None: a session of another database user, whose address PostgreSQL does not show).
    """
    like, names = odoo_applications(environ)
    cr.execute("SELECT pg_stat_clear_snapshot()")  # the transaction's snapshot of the sessions, if any: now
    cr.execute(
        ODOO_PROCESSES,
        {
            "like": like,
            "own_names": [*own_names, watcher.APPLICATION],
            "own_pids": sorted(own_pids),
            "socket": LOCAL_SOCKET,
        },
    )
    found = []
    for application, host, connections in cr.fetchall():
        match = names.match(application)
        if not match:
            continue
        pid = int(match.group(1)) if match.groups() else None
        found.append({"pid": pid, "application": application, "host": host, "connections": connections})
    return found


def modules_in_state(cr, states):
    cr.execute("SELECT name FROM ir_module_module WHERE state = ANY(%s) ORDER BY name", (list(states),))
    return [name for (name,) in cr.fetchall()]


def known_addons(cr, names):
    """The addons of ``names`` in the database's module list, whatever their state."""
    cr.execute("SELECT name FROM ir_module_module WHERE name = ANY(%s)", (sorted(names),))
    return {name for (name,) in cr.fetchall()}


def database_only_addons(cr):
    """The addons that exist only in the database: Studio's customizations, and the
    data modules imported from a zip file (``imported``, with base_import_module)."""
    names = set(DATABASE_ONLY_ADDONS)
    if column_exists(cr, "ir_module_module", "imported"):
        cr.execute("SELECT name FROM ir_module_module WHERE imported")
        names |= {name for (name,) in cr.fetchall()}
    return names


def active_langs(cr):
    cr.execute("SELECT code FROM res_lang WHERE active ORDER BY code")
    return [code for (code,) in cr.fetchall()]


def ignored_addons(cr):
    """The addons of the database's ignore list (``PARAM_IGNORE_ADDONS``)."""
    value = get_param(cr, PARAM_IGNORE_ADDONS)
    return set(commas.split(value))


def stat_cache_enabled(cr):
    return (get_param(cr, PARAM_STAT_CACHE) or "").strip().lower() not in ("0", "false", "no", "off")


def legacy_digests(cr):
    """The values other tools keep in the JSON system parameter."""
    value = get_param(cr, PARAM_INSTALLED_CHECKSUMS)
    if not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        _logger.warning(
            "System parameter %s is not a JSON object; it is ignored, so every "
            "installed addon counts as never recorded.",
            PARAM_INSTALLED_CHECKSUMS,
        )
        return {}
    return {name: value for name, value in data.items() if value and isinstance(value, str)}


def _table_digests(cr):
    if not table_exists(cr, CHECKSUM_TABLE):
        return {}
    cr.execute("SELECT name, checksum FROM module_auto_update_checksum WHERE checksum IS NOT NULL AND checksum != ''")
    return dict(cr.fetchall())


def rewritten_by_another_tool(cr):
    """Whether the legacy parameter changed since this addon last wrote it.

    click-odoo-update and the OCA addon write only the parameter: when its
    value is not the one whose SHA-1 we kept in ``PARAM_WRITTEN``, another
    tool recorded an upgrade after our last save.
    """
    value = get_param(cr, PARAM_INSTALLED_CHECKSUMS)
    return bool(value) and hashlib.sha1(value.encode()).hexdigest() != get_param(cr, PARAM_WRITTEN)


def saved_digests(cr):
    """``{addon: digest}`` recorded at the last successful upgrade, by this addon or another tool.

    Whichever tool upgraded last is believed. Our table is authoritative
    while the legacy parameter is as we last wrote it; when another tool
    (click-odoo-update, the OCA addon) rewrote the parameter since, its
    values win for the addons it lists. A database coming from those tools
    (our table empty or not created yet) reads the parameter alone. The next
    save writes both alike again.
    """
    rows = _table_digests(cr)
    if not rows:
        return legacy_digests(cr)
    if rewritten_by_another_tool(cr):
        legacy = legacy_digests(cr)
        taken = sorted(name for name, value in legacy.items() if rows.get(name) != value)
        if taken:
            _logger.info(
                "Another tool recorded an upgrade since our last save: its fingerprints of %s are taken.",
                ", ".join(taken),
            )
        rows = {**rows, **legacy}
    return rows


@dataclass(frozen=True)
class FingerprintParams:
    """The database's part of the fingerprint settings (``inspection.FingerprintSettings``)."""

    exclude_patterns: list  # PARAM_EXCLUDE_PATTERNS, split
    keep_langs: list  # the active languages
    stat_cache: bool  # PARAM_STAT_CACHE: whether the stat cache is on


def fingerprint_params(cr):
    """``FingerprintParams``: the exclude patterns, the active languages, the stat cache's switch."""
    value = get_param(cr, PARAM_EXCLUDE_PATTERNS, DEFAULT_EXCLUDE_PATTERNS)
    return FingerprintParams(commas.split(value), active_langs(cr), stat_cache_enabled(cr))


@dataclass(frozen=True)
class InspectionFacts:
    """Everything the inspection (``inspection.inspect``) reads from the database, read in one visit."""

    database: str
    installed: list  # the installed addons, by name
    pending: list  # the addons in one of PENDING_STATES, by name
    ignored: set  # the database's ignore list (ignored_addons)
    saved: dict  # saved_digests
    fingerprint: FingerprintParams
    database_only: set  # database_only_addons
    partially_updated: bool = False  # PARAM_PARTIALLY_UPDATED is set


def inspection_facts(cr):
    """``InspectionFacts`` of the database behind ``cr``."""
    installed = modules_in_state(cr, ["installed"])
    ignored = ignored_addons(cr)
    params = fingerprint_params(cr)
    saved = saved_digests(cr)
    pending = modules_in_state(cr, PENDING_STATES)
    only_here = database_only_addons(cr)
    partially_updated = bool(get_param(cr, PARAM_PARTIALLY_UPDATED))
    cr.execute("SELECT current_database()")
    database = cr.fetchone()[0]
    return InspectionFacts(database, installed, pending, ignored, saved, params, only_here, partially_updated)


def storable_files(files):
    """``{relpath: digest}`` with keys PostgreSQL's JSON accepts.

    A file name that is not valid UTF-8 reaches Python with lone surrogates,
    which PostgreSQL refuses in JSON: its bytes are written as ``\\xNN``.
    """
    return {os.fsencode(path).decode("utf-8", "backslashreplace"): sha for path, sha in files.items()}


def save_fingerprints(cr, fingerprints, upgraded=(), uid=None, saved=None):
    """Record ``{addon: Fingerprint}`` as the state of the installed addons (see ``save_digests``).

    An addon whose fingerprint is ``False`` (its folder is missing, or it was
    left alone) keeps what was recorded for it (``saved``, the digests the
    run read before; read now when not given); ``None`` (a file could not be
    read) records nothing, so that it still counts as changed next time.
    """
    saved = saved_digests(cr) if saved is None else saved
    digests, files = {}, {}
    for name, fp in fingerprints.items():
        if fp:
            digests[name], files[name] = fp.digest, fp.files
        elif fp is False and saved.get(name):
            digests[name] = saved[name]
    save_digests(cr, digests, files, upgraded, uid)


def save_digests(cr, digests, file_digests=None, upgraded=(), uid=None):
    """Make ``{addon: digest}`` the recorded fingerprints, replacing the previous ones.

    ``file_digests``: ``{addon: {relpath: digest}}`` to keep beside them (an
    addon left out keeps its previous per-file record); ``upgraded``: the
    addons whose upgrade this save concludes. The legacy parameter is
    rewritten to match, for the tools that read it (the OCA addon,
    click-odoo-update). Without our table (a database kept by another tool)
    only the parameter is written. Empty digests are not recorded. Each
    fingerprint recorded anew keeps the addon's installed version beside it
    (``installed_version``, once the addon is upgraded to that column).
    """
    digests = {name: value for name, value in digests.items() if value}
    file_digests = file_digests or {}
    now = utcnow()
    if table_exists(cr, CHECKSUM_TABLE):
        cr.execute(f"DELETE FROM {CHECKSUM_TABLE} WHERE name != ALL(%s)", (sorted(digests),))
        versioned = column_exists(cr, CHECKSUM_TABLE, "installed_version")
        version = (
            (
                ", installed_version",
                ", (SELECT latest_version FROM ir_module_module WHERE name = %(name)s)",
                ", installed_version = EXCLUDED.installed_version",
            )
            if versioned
            else ("", "", "")
        )
        for name, digest in sorted(digests.items()):
            files = file_digests.get(name)
            cr.execute(
                f"""INSERT INTO {CHECKSUM_TABLE} AS t (name, checksum, file_checksums, computed_at, upgraded_at,
                                                   create_uid, create_date, write_uid, write_date{version[0]})
                    VALUES (%(name)s, %(checksum)s, %(files)s, %(now)s, %(upgraded_at)s,
                            %(uid)s, %(now)s, %(uid)s, %(now)s{version[1]})
                    ON CONFLICT (name) DO UPDATE SET
                        checksum = EXCLUDED.checksum,
                        file_checksums = COALESCE(EXCLUDED.file_checksums, t.file_checksums),
                        upgraded_at = COALESCE(EXCLUDED.upgraded_at, t.upgraded_at),
                        computed_at = EXCLUDED.computed_at,
                        write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date{version[2]}
                    WHERE t.checksum IS DISTINCT FROM EXCLUDED.checksum
                       OR EXCLUDED.file_checksums IS NOT NULL OR EXCLUDED.upgraded_at IS NOT NULL""",
                {
                    "name": name,
                    "checksum": digest,
                    "files": json.dumps(storable_files(files)) if files is not None else None,
                    "now": now,
                    "upgraded_at": now if name in upgraded else None,
                    "uid": uid,
                },
            )
    value = json.dumps(digests, sort_keys=True)
    write_param(cr, PARAM_INSTALLED_CHECKSUMS, value, uid, now)
    write_param(cr, PARAM_WRITTEN, hashlib.sha1(value.encode()).hexdigest(), uid, now)


def save_migrations(cr, scripts, uid=None):
    """Record the migration scripts that ran, each with the digest of its file.

    ``scripts``: dicts ``module``, ``version``, ``stage``, ``path``,
    ``digest`` (``core.migration.scripts_run``). Written with the fingerprints,
    in the upgrade's transaction: a failed upgrade records none. A script
    that runs again (``0.0.0``) replaces its record. Without our table (the
    addon not upgraded to it yet) nothing is written.
    """
    if not scripts or not table_exists(cr, MIGRATION_TABLE):
        return
    now = utcnow()
    for script in scripts:
        cr.execute(
            f"""INSERT INTO {MIGRATION_TABLE} AS t (module, version, stage, path, digest, ran_at,
                                                 create_uid, create_date, write_uid, write_date)
                VALUES (%(module)s, %(version)s, %(stage)s, %(path)s, %(digest)s, %(now)s,
                        %(uid)s, %(now)s, %(uid)s, %(now)s)
                ON CONFLICT (module, path) DO UPDATE SET
                    version = EXCLUDED.version, stage = EXCLUDED.stage, digest = EXCLUDED.digest,
                    ran_at = EXCLUDED.ran_at, write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date""",
            {**{key: script[key] for key in ("module", "version", "stage", "path", "digest")}, "now": now, "uid": uid},
        )


def write_param(cr, key, value, uid=None, now=None):
    """Set a system parameter with plain SQL (the ORM's caches are the caller's to clear)."""
    now = now or utcnow()
    cr.execute(
        """INSERT INTO ir_config_parameter (key, value, create_uid, create_date, write_uid, write_date)
           VALUES (%(key)s, %(value)s, %(uid)s, %(now)s, %(uid)s, %(now)s)
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_uid = EXCLUDED.write_uid,
                                           write_date = EXCLUDED.write_date""",
        {"key": key, "value": value, "now": now, "uid": uid},
    )


def utcnow():
    """Naive UTC like Odoo's datetimes, with the microseconds a duration needs."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def record_run(
    cr,
    trigger,
    started_at,
    ended_at,
    result,
    upgraded=(),
    error=None,
    uid=None,
    attempts=1,
    locks=(),
    restart_needed=False,
    rehearsal=False,
    after_commit=(),
):
    """Write one run in the history (``module.auto.update.run``) with ``cr``; return its row's id, or None.

    A run with nothing to do is folded into the trigger's previous row when
    that one had nothing to do either: ``run_count`` counts them, the times
    are the last run's.

    ``attempts``: how many times the upgrade's transaction ran (it is rolled
    back and run again when it meets another session's locks); ``locks``:
    the tables it held locked against writes, and for how long;
    ``restart_needed``: running Odoo processes still run old Python code;
    ``rehearsal``: the run was a rehearsal, rolled back (never folded);
    ``after_commit``: what did not happen after the upgrade committed.

    ``started_at``/``ended_at`` are naive UTC datetimes. The caller commits,
    on a cursor other than the upgrade's, so that a rollback of the upgrade
    does not take the row with it.
    """
    if not table_exists(cr, RUN_TABLE):
        if table_exists(cr, CHECKSUM_TABLE):
            why = "the module_auto_update installed in this database predates the history: upgrade it to keep one"
        else:
            why = "module_auto_update is not installed in this database: install it to keep a history of the runs"
        _logger.warning("Auto-upgrade run not recorded in the history (no table %s): %s.", RUN_TABLE, why)
        return None
    cr.execute("SELECT 1 FROM res_users WHERE id = %s", (uid,))
    uid = uid if cr.fetchone() else None
    counted = column_exists(cr, RUN_TABLE, "run_count")  # not before the addon's upgrade to it
    if result == results.NOTHING_TO_DO and counted and not rehearsal:
        # Folded: a run with nothing to do counts on the row of the trigger's
        # previous run when it had nothing to do either (an hourly scheduled
        # action leaves one row, not 24 a day).
        cr.execute(
            f"""UPDATE {RUN_TABLE}
                   SET run_count = COALESCE(run_count, 1) + 1, started_at = %s, ended_at = %s, duration = %s,
                       write_uid = %s, write_date = now() at time zone 'UTC'
                 WHERE id = (SELECT id FROM {RUN_TABLE} WHERE trigger = %s AND user_id IS NOT DISTINCT FROM %s
                             ORDER BY id DESC LIMIT 1)
                   AND result = %s
             RETURNING id""",
            (started_at, ended_at, (ended_at - started_at).total_seconds(), uid, trigger, uid, result),
        )
        folded = cr.fetchone()
        if folded:
            return folded[0]
    cr.execute(
        f"""INSERT INTO {RUN_TABLE} (trigger, user_id, database, started_at, ended_at, duration, upgraded,
                                     result, error, create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, current_database(), %s, %s, %s, %s, %s, %s, %s,
                    now() at time zone 'UTC', %s, now() at time zone 'UTC')
            RETURNING id""",
        (
            trigger,
            uid,
            started_at,
            ended_at,
            (ended_at - started_at).total_seconds(),
            ", ".join(upgraded) or None,
            result,
            error,
            uid,
            uid,
        ),
    )
    run_id = cr.fetchone()[0]
    if counted:
        cr.execute(f"UPDATE {RUN_TABLE} SET run_count = 1 WHERE id = %s", (run_id,))
    if column_exists(cr, RUN_TABLE, "attempts"):  # with locks and restart_needed, once the addon is upgraded
        cr.execute(
            f"UPDATE {RUN_TABLE} SET attempts = %s, locks = %s, restart_needed = %s WHERE id = %s",
            (attempts or None, watcher.held_text(locks) or None, bool(restart_needed), run_id),
        )
    if column_exists(cr, RUN_TABLE, "rehearsal"):  # once the addon is upgraded
        cr.execute(f"UPDATE {RUN_TABLE} SET rehearsal = %s WHERE id = %s", (bool(rehearsal), run_id))
    if column_exists(cr, RUN_TABLE, "after_commit"):  # once the addon is upgraded
        cr.execute(f"UPDATE {RUN_TABLE} SET after_commit = %s WHERE id = %s", ("\n".join(after_commit) or None, run_id))
    return run_id
