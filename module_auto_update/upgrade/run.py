# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One auto-upgrade run of one database: the protocol every entry point follows.

1. Take the database's upgrade lock (``core.lock.held``).
2. Decide, with plain SQL and the disk, before the upgrade's transaction
   (nothing here locks what users write): what changed, what is pending,
   the plan; refuse a plan with blocking problems.
3. In one REPEATABLE READ transaction (``transaction``), committed once at
   the end or rolled back as a whole: let the entry point refuse
   (``Loader.check``), mark and upgrade (``Loader.load``), verify that
   nothing is left pending, save the fingerprints. A rehearsal does the
   same, reads what the transaction did (``core.rehearsal``,
   ``load_report``), and rolls it back instead of committing. Once the
   commit took effect the run is done; what fails after it is a warning.
4. When that transaction met another session, it was rolled back. After a
   conflict with a user's write (a serialization failure), run steps 2 and
   3 again at once, with the conflict's tables locked against writers
   before the snapshot; after a lock it could not get within ``lock_wait``
   or a deadlock, wait (backoff with jitter) first. ``attempts`` times at most.
5. Release the lock; tell Odoo processes to reload the registry; record
   the run in the history, on a connection of its own (``recorded``): its
   attempts, the exclusive locks it held, for how long and why, whether
   running Odoo processes need a restart for changed Python code, and what
   did not happen after the commit.

Used by the Apps button and the wizard, ``upgrade_changed_checksum()`` and
the scheduled action (``models/``, which load the upgrade through the ORM),
and by ``odoo-bin auto-upgrade``, the quick start when it hands over, and the
upgrade on start (which load it the way ``odoo-bin -u`` does:
``series.load_registry``, so that a
database whose new code Odoo cannot even load without an upgrade, such as a
new column on ``res.partner``, is upgraded before anything reads it).
"""

import logging
import os
import random
import time
from collections.abc import Callable
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass

import psycopg2

import odoo.sql_db
from odoo import SUPERUSER_ID
from odoo.modules.registry import Registry
from odoo.tools import config

from ..core import compare, lock, migration, plan, rehearsal, results, stored, watcher
from . import addons, failure, load_report, plan_inputs, scoped, series, transaction

_logger = logging.getLogger(__name__)

UNCHANGED = "The database was left as it was: nothing was upgraded and no fingerprint was saved."
DEFAULT_LOCK_WAIT = 2.0
DEFAULT_ATTEMPTS = 10
# Seconds before attempt n + 1: FIRST_BACKOFF * 2 ** (n - 1), at most MAX_BACKOFF, times a random 0.5 to 1.
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
FIRST_RUN = (
    "first run: no fingerprint is recorded in this database yet, so every installed addon counts as changed. "
    "If the database already matches the code, record the current state instead: odoo-bin auto-upgrade "
    "--init-hashes, or record_current_state() (the wizard's Record the current state)."
)
# How long a run waits for another run's upgrade lock, per trigger (otherwise a system parameter).
LOCK_TIMEOUT_SETTINGS = {results.COMMAND_LINE: "--lock-timeout", results.SERVER_START: "auto_upgrade_lock_timeout"}
# What let migration scripts that the versions keep from running be left unrun, per trigger.
ALLOW_UNRUN_SETTINGS = {
    results.COMMAND_LINE: "--allow-unrun-migrations",
    results.SERVER_START: "auto_upgrade_allow_unrun_migrations",
}
TRUE = ("1", "true", "yes", "on")
FALSE = ("", "0", "false", "no", "off", "none")


@dataclass(frozen=True)
class Request:
    """What a run is asked to do, and on whose behalf."""

    trigger: str = results.COMMAND_LINE
    uid: int = None
    update_all: bool = False
    ignore: tuple = ()
    ignore_core: bool = False
    only: tuple = ()  # upgrade only these addons' changes, the others keep their record
    i18n_overwrite: bool = False
    lock_timeout: float = 0.0  # for another run's upgrade lock
    # For each table or row lock inside the upgrade: past it, roll back and try again.
    lock_wait: float = DEFAULT_LOCK_WAIT
    attempts: int = DEFAULT_ATTEMPTS
    watcher_max_seconds: float = 0.0
    dry_run: bool = False
    # The real upgrade, rolled back at the end instead of committed, with a report of what it did.
    rehearse: bool = False
    # Plan only, without the upgrade lock and without a history row: is an upgrade needed?
    check: bool = False
    init_hashes: bool = False
    # Migration scripts that the versions keep from running are warned of, not blocking.
    allow_unrun_migrations: bool = False
    # A plan with warnings does not start (results.WARNED).
    strict: bool = False
    # Tables of at least so many rows whose changes the plan warns of (core.risk); None: the
    # database's system parameter, else risk.LARGE_ROWS.
    large_rows: int = None
    # The caller reports a failure to its user (the in-Odoo entry points raise it
    # or show it): the run logs it as a WARNING, not as an ERROR too.
    caller_reports: bool = False


def load_registry(cr, names):
    """``odoo-bin -u names``: Odoo marks them (``button_upgrade``: dependents,
    new dependencies) and loads the database's registry; returns the addons
    it upgraded or installed."""
    return list(series.load_registry(cr.dbname, names).updated_modules)


@dataclass(frozen=True)
class Loader:
    """How an entry point upgrades, inside the run's transaction.

    ``load(cr, names)`` marks ``names`` and loads every pending addon;
    returns the addons it upgraded or installed. ``check(cr, names,
    fingerprints)``, if any, raises to refuse the run before anything is
    marked; its message is the run's error as it stands.
    """

    load: Callable = load_registry
    check: Callable = None


def blocked(problems):
    """The refusal of a plan with blocking problems: each with its file and line."""
    lines = ["  %s: %s" % plan.blocking_line(problem) for problem in problems]
    return "\n".join(["The upgrade did not start: it would fail on these problems.", *lines, UNCHANGED])


class Refused(Exception):
    """The run refused to upgrade: a plan with blocking problems, or ``Loader.check``.

    ``plan``: the plan it refused, which the outcome carries.
    """

    def __init__(self, message, plan=None):
        super().__init__(message)
        self.plan = plan


class Aborted(Exception):
    """The lock watcher cancelled the upgrade (``--watcher-max-seconds``)."""


class Incomplete(Exception):
    """The upgrade ran but left addons pending."""


class GaveWay(Exception):
    """Every attempt met another session's locks (``Request.attempts``)."""


class Rehearsed(Exception):
    """A rehearsal reached the end of the upgrade: raised to roll it back as a failure would be."""

    def __init__(self, learned):
        super().__init__("rehearsed")
        self.learned = learned


def number(value, default, name):
    """A setting's number (a server option, a system parameter); ``default`` when unset, or not a
    non-negative number (logged: ``NAME is not a number; N is used.``)."""
    if value in (None, False, ""):
        return default
    try:
        found = float(value)
    except (TypeError, ValueError):
        found = -1.0
    if found < 0:
        _logger.warning("%s is not a number; %g is used.", name, default)
        return default
    return found


def flag(value, name):
    """A setting's yes or no (a server option, a system parameter): ``1``, ``true``, ``yes``, ``on``
    (any case) for yes; anything else is no, logged when it is not ``0``, ``false``, ``no``, ``off``."""
    text = str(value if value not in (None, False) else "").strip().lower()
    if text not in TRUE + FALSE:
        _logger.warning("%s is neither true nor false; false is used.", name)
    return text in TRUE


def backoff(attempt):
    """Seconds to wait after failed attempt number ``attempt`` (1, 2...): exponential, with jitter."""
    return min(FIRST_BACKOFF * 2 ** (attempt - 1), MAX_BACKOFF) * random.uniform(0.5, 1.0)


def run(cr, request, loader=Loader(), commit=True, history_cursor=None):
    """Auto-upgrade the database of ``cr``; never raises (but for ``BaseException``).

    ``commit``: the run may commit and roll back ``cr`` (its own cursor, or
    a caller's whose pending work is committed first, as the OCA addon's
    method does). Without it (Odoo's test mode, a caller's transaction),
    the run is a savepoint of the caller's transaction. ``history_cursor()``
    opens the cursor the history row is written with, on a connection other
    than ``cr``'s (default: a new one).

    Returns a ``core.results.Result``; its ``locks`` are those the
    committed (or rehearsed) attempt held. Once the upgrade's commit took
    effect (PostgreSQL says so), the run is ``done``: what fails after it
    (post-commit work, the signal to other processes, the history row) is
    one of its ``after_commit`` sentences, never a failure. A failure is logged as an ERROR
    with its traceback, or as a WARNING when the caller reports it
    (``Request.caller_reports``): said once.
    """
    dbname = cr.dbname
    failed_level = logging.WARNING if request.caller_reports else logging.ERROR
    with recorded(dbname, request, history_cursor) as outcome:
        try:
            learned = _run(cr, request, loader, commit, outcome)
        except lock.LockBusyError as exc:
            setting = LOCK_TIMEOUT_SETTINGS.get(request.trigger, "the system parameter module_auto_update.lock_timeout")
            error = f"{exc} Run it again when that upgrade is done, or let this run wait longer for it: {setting}."
            _logger.warning("%s: busy: %s", dbname, error)
            learned = {"result": results.BUSY, "error": error}
        except GaveWay as exc:
            _logger.warning("%s: busy: %s", dbname, exc)
            learned = {"result": results.BUSY, "error": str(exc)}
        except Incomplete as exc:
            _logger.log(failed_level, "%s: %s", dbname, exc)
            learned = {"result": results.INCOMPLETE, "error": str(exc)}
        except (Refused, Aborted) as exc:
            _logger.warning("%s: %s", dbname, exc)
            learned = {"result": results.FAILED, "error": str(exc), "plan": getattr(exc, "plan", None)}
        except transaction.CommitUnknown as exc:
            _log_failure(request, failed_level, dbname, str(exc))
            learned = {"result": results.FAILED, "error": str(exc)}
        except Exception as exc:
            message = f"{failure.describe(exc)}\n{UNCHANGED}"
            _log_failure(request, failed_level, dbname, message)
            learned = {"result": results.FAILED, "error": message}
        outcome.update(learned)
    return outcome


@contextmanager
def recorded(dbname, request, history_cursor=None):
    """Yield the run's ``Result`` to fill in; on exit, time it and record it in the history.

    The row is written with ``history_cursor()`` (default: a new
    connection), after the run's transaction ended, so that it survives a
    rollback; a failure to record is logged, never raised over the run's
    outcome. Only the outcomes of ``results.RECORDED`` leave a row, and
    ``--check`` none.
    """
    started, t0 = stored.utcnow(), time.monotonic()
    outcome = results.Result(dbname)
    yield outcome
    outcome.duration = round(time.monotonic() - t0, 3)
    _logger.info("%s: %s in %.2f s", dbname, outcome.result, outcome.duration)
    if outcome.locks:
        _logger.info("%s: exclusive locks held: %s", dbname, watcher.held_text(outcome.locks))
    if outcome.restart_addons:
        text = plan.restart_text(outcome.restart_addons, outcome.restart_processes, request.rehearse)
        _logger.log(logging.WARNING if outcome.restart_needed else logging.INFO, "%s: %s", dbname, text)
    for text in outcome.after_commit:
        _logger.warning("%s: %s", dbname, text)
    if outcome.result not in results.RECORDED or request.check or request.dry_run:
        return
    try:
        with closing((history_cursor or odoo.sql_db.db_connect(dbname).cursor)()) as cr:
            stored.record_run(
                cr,
                request.trigger,
                started,
                stored.utcnow(),
                outcome.result,
                outcome.upgraded,
                outcome.error,
                request.uid,
                attempts=outcome.attempts,
                locks=outcome.locks,
                restart_needed=outcome.restart_needed,
                rehearsal=request.rehearse,
                after_commit=outcome.after_commit,
            )
            cr.commit()  # pylint: disable=invalid-commit
    except Exception as exc:
        _logger.exception("%s: the run could not be recorded in the history.", dbname)
        outcome.after_commit.append(f"the run was not recorded in the history ({exc})")


def _run(cr, request, loader, commit, outcome):
    """Steps 1 to 4 of the protocol; returns the fields of ``outcome`` it learned at the end,
    and fills it as it goes (its attempts)."""
    dbname = cr.dbname
    if request.dry_run or request.check:
        # No upgrade lock: a check polled by a probe never makes a real run busy.
        _logger.info("%s: planning", dbname)
        found = _inspect_scope(cr, request)
        if request.check and found.nothing_to_do:
            return {"result": results.NOTHING_TO_DO, "plan": found.plan()}
        the_plan = _planned(cr, found, request)
        if request.strict and the_plan["warnings"]:
            return _warned(the_plan, "would not start")
        return {"result": results.UPGRADE_NEEDED if request.check else results.DRY_RUN, "plan": the_plan}
    _logger.info("%s: taking the upgrade lock (timeout %g s)", dbname, request.lock_timeout)
    with lock.held(cr, dbname, request.lock_timeout):
        guarded = {}  # table -> why the next attempts lock it against writers before their snapshot
        altered = set()  # tables an attempt altered: locked ACCESS EXCLUSIVE, not EXCLUSIVE
        for attempt in range(1, max(request.attempts, 1) + 1):
            outcome.attempts = attempt
            if commit:
                # Odoo cursors are REPEATABLE READ: a snapshot that sees what the
                # previous holder of the lock (or attempt) committed meanwhile.
                cr.commit()  # pylint: disable=invalid-commit
            try:
                result = _attempt(cr, request, loader, commit, guarded, altered)
                break
            except transaction.Contended as exc:
                altered |= exc.altered
                new = {table: f"after a conflict on {table}" for table in exc.tables if table not in guarded}
                guarded.update(new)
                _give_way(dbname, request, attempt, exc, sorted(new))
        if commit and result["result"] in (results.DONE, results.HASHES_RECORDED):  # committed a change
            result = dict(result, after_commit=[*result.get("after_commit", ()), *_reload_everywhere(dbname)])
        return _with_restart(cr, result)


def _with_restart(cr, learned):
    """``learned`` with the Odoo processes connected to the database now, when the Python code of
    addons it upgraded (or rehearsed) changed (``restart_addons``): ``restart_processes``
    (``stored.odoo_processes``, but for this process and its lock watcher), and ``restart_needed``
    when there are some. When they cannot be read, ``restart_processes`` is None and a restart is
    said to be needed."""
    if not learned.get("restart_addons"):
        return learned
    try:
        with cr.savepoint(flush=False):
            processes = stored.odoo_processes(cr, os.environ, *_own_connections())
    except Exception:
        _logger.warning("%s: the Odoo processes connected to the database could not be read.", cr.dbname, exc_info=True)
        processes = None
    return dict(learned, restart_processes=processes, restart_needed=processes != [])


def _own_connections():
    """``(application names, backend pids)`` of this process's connections: its application name when
    it names this process alone (Odoo's default, or ODOO_PGAPPNAME with ``{pid}``), and the backends of
    Odoo's connection pools."""
    template = os.environ.get(stored.PGAPPNAME, stored.DEFAULT_PGAPPNAME)
    names = [stored.odoo_application(os.environ, os.getpid())] if "{pid}" in template else []
    pids = set()
    for cnx in series.pooled_connections():
        try:
            if not cnx.closed:
                pids.add(cnx.get_backend_pid())
        except psycopg2.Error:
            continue
    return names, pids


def _log_failure(request, level, dbname, message):
    """Log a failure (in an ``except`` block) with its traceback, where a log is kept: a log file,
    syslog, a server's log. The command line writing its log to the terminal (no ``--logfile``, no
    syslog) logs one line, the error's first (the result, on stdout, has it whole), and the traceback
    at DEBUG (``--log-level=debug`` shows it)."""
    if request.trigger != results.COMMAND_LINE or config["logfile"] or config["syslog"]:
        _logger.log(level, "%s: %s", dbname, message, exc_info=True)
        return
    first, more, _rest = message.partition("\n")
    said = f"{first} (the whole error is in the result; --log-level=debug shows the traceback)" if more else first
    _logger.log(level, "%s: %s", dbname, said)
    _logger.debug("%s: the traceback of that failure:", dbname, exc_info=True)


def _give_way(dbname, request, attempt, contended, locking=()):
    """After an attempt rolled back for another session: wait, or give up (``GaveWay``).

    ``locking``: tables the next attempt locks against writers after a
    conflict on them; it then starts at once (its lock waits for their writers).
    """
    wait = getattr(contended, "wait", None)
    met = f"{contended}" + (f" ({wait})" if wait else "")
    if attempt >= request.attempts:
        raise GaveWay(
            f"The upgrade gave way to other sessions {attempt} time(s) and stopped: {met}. {UNCHANGED} "
            "Run it again when that session is done, or allow more --attempts or a longer --lock-wait."
        ) from contended
    if locking:
        _logger.warning(
            "%s: attempt %d of %d rolled back: a row it read was changed by another session meanwhile (%s). "
            "Trying again at once, with %s locked against writers from its start to its commit.",
            dbname,
            attempt,
            request.attempts,
            met,
            ", ".join(locking),
        )
        return
    delay = backoff(attempt)
    _logger.warning(
        "%s: attempt %d of %d rolled back, it met another session: %s. Trying again in %.1f s.",
        dbname,
        attempt,
        request.attempts,
        met,
        delay,
    )
    time.sleep(delay)


def _attempt(cr, request, loader, commit, guarded, altered=frozenset()):
    """Steps 2 and 3: decide, then upgrade in one transaction; returns what it learned (fields
    of the run's ``Result``); raises ``transaction.Contended`` (with the tables the attempt altered,
    ``altered``). ``guarded``: tables to lock against writers before the transaction's snapshot
    (table -> why); those in ``altered`` are locked ``ACCESS EXCLUSIVE``, as their change would:
    a user's transaction that read such a table and waits to write it would otherwise keep the
    change waiting (a deadlock)."""
    dbname = cr.dbname
    the_plan = None
    if not request.init_hashes:
        _logger.info("%s: comparing fingerprints", dbname)
        found = _inspect_scope(cr, request)
        if found.nothing_to_do and not found.adopted:
            _logger.info("%s: no installed addon changed and none is pending", dbname)
            return {"result": results.NOTHING_TO_DO, "plan": found.plan()}
        if not found.nothing_to_do:
            the_plan = _planned(cr, found, request)
            if the_plan["blocking"] and request.rehearse:
                return {"result": results.BLOCKED, "plan": the_plan, "error": blocked(the_plan["blocking"])}
            if the_plan["blocking"]:
                raise Refused(blocked(the_plan["blocking"]), the_plan)
            if request.strict and the_plan["warnings"] and not request.rehearse:
                return _warned(the_plan, "did not start")
        if commit:
            # Only read so far: ends the snapshot before the upgrade's transaction.
            cr.commit()  # pylint: disable=invalid-commit
    try:
        with (
            _kept_registry(dbname, commit),
            _translations(request.i18n_overwrite),
            _module_list_refreshed_once(),
            _watched(cr, request) as watch,
        ):
            try:
                with transaction.one_transaction(
                    cr,
                    commit,
                    request.lock_wait,
                    {table: "ACCESS EXCLUSIVE" if table in altered else "EXCLUSIVE" for table in guarded},
                    written=lambda: _written(watch),
                ) as run_cr:
                    if request.init_hashes:
                        learned = _record_current(run_cr, request)
                    else:
                        before = rehearsal.snapshot(run_cr, sizes=True) if request.rehearse else None
                        with load_report.observing() if request.rehearse else nullcontext() as seen:
                            learned = _upgrade(run_cr, request, loader, found, the_plan)
                    if request.rehearse:
                        # Rolled back like a failure: the transaction, and this process's registry.
                        locks = watch.held(time.monotonic(), guarded)
                        raise Rehearsed(_rehearsed(run_cr, request, dict(learned, locks=locks), found, seen, before))
            except transaction.Contended as exc:
                exc.wait, exc.altered = watch.last_wait, watch.altered()
                raise
            except Exception as exc:
                if watch.aborted:
                    raise Aborted(
                        f"The upgrade waited on a database lock longer than {request.watcher_max_seconds:g} s "
                        f"(--watcher-max-seconds) and was aborted. {UNCHANGED}"
                    ) from exc
                raise
            # Committed: from here on, what fails is a warning of what did not happen.
            after_commit = [*_unrun_allowed(request, learned), *run_cr.after_commit]
            learned = dict(learned, locks=watch.held(time.monotonic(), guarded), after_commit=after_commit)
    except Rehearsed as rehearsed:
        learned = rehearsed.learned
    return learned


def _written(watch):
    """The existing tables the run's transaction wrote, sampled now (see ``core.watcher``)."""
    watch.refresh()
    return set(watch.written)


def _rehearsed(cr, request, learned, found, seen, before):
    """What a rehearsal learned, read from its transaction before the rollback: its report, with the
    plan's warnings beside the locks it measured; with ``strict``, a plan with warnings is ``warned``."""
    if learned["result"] != results.DONE:
        return learned  # nothing was upgraded: nothing to report
    warnings = (learned.get("plan") or {}).get("warnings", ())
    report = rehearsal.report(seen.addons(found.installed), before, rehearsal.snapshot(cr), warnings, learned["locks"])
    if request.strict and warnings:
        return dict(learned, **_warned(learned["plan"], "would not start"), rehearsal=report)
    return dict(learned, result=results.REHEARSED, rehearsal=report)


def _warned(the_plan, verb):
    """The outcome of a plan with warnings under ``--strict``: the upgrade ``verb`` (did not start)."""
    count = len(the_plan["warnings"])
    error = (
        f"--strict: the plan has {count} warning{'s' if count > 1 else ''}, so the upgrade {verb}. "
        "Deal with them, or run without --strict to accept them."
    )
    return {"result": results.WARNED, "plan": the_plan, "error": error}


def _unrun_allowed(request, learned):
    """What a committed upgrade says of the migration scripts of the addons it upgraded that did not
    run, as the request allowed (``allow_unrun_migrations``): kept in the history with the run."""
    upgraded = set(learned.get("upgraded", ()))
    files = [
        w["file"]
        for w in (learned.get("plan") or {}).get("warnings", ())
        if w["kind"] == "migration-not-reached" and w["module"] in upgraded
    ]
    if not files:
        return []
    setting = ALLOW_UNRUN_SETTINGS.get(
        request.trigger, "the system parameter module_auto_update.allow_unrun_migrations"
    )
    return [f"these migration scripts did not run, as {setting} allowed: {', '.join(files)}"]


def _planned(cr, found, request):
    """``plan_inputs.plan_for``; a first run is said in the log."""
    the_plan = plan_inputs.plan_for(cr, found, request.allow_unrun_migrations, request.large_rows)
    if the_plan["first_run"] and the_plan["changed"]:
        _logger.warning("%s: %s", cr.dbname, FIRST_RUN)
    return the_plan


def _inspect_scope(cr, request):
    """``addons.inspect`` within the request's scope (update all, ignored, core addons, only)."""
    return addons.inspect(
        cr, update_all=request.update_all, ignore=request.ignore, ignore_core=request.ignore_core, only=request.only
    )


def _record_current(cr, request):
    """``--init-hashes``: the installed addons' fingerprints as they are, in the run's transaction."""
    _logger.info("%s: recording the current fingerprints", cr.dbname)
    installed = stored.modules_in_state(cr, ["installed"])
    stored.save_fingerprints(cr, addons.current_fingerprints(installed, cr=cr), uid=request.uid or SUPERUSER_ID)
    return {"result": results.HASHES_RECORDED}


def record_outside_upgrade(cr, names):
    """After Odoo's loader upgraded or installed ``names`` for another tool (``odoo-bin -u``, ``odoo-bin
    module upgrade``, click-odoo-update, Apps' buttons), inside its transaction: their fingerprints, taken
    now, replace the recorded ones, so that the next run does not upgrade them again. The others keep
    theirs. Nothing while no fingerprint is recorded (a first run stays one), nor for what is not installed.
    """
    saved = stored.saved_digests(cr)
    names = sorted(set(names) & set(stored.modules_in_state(cr, ["installed"])))
    if not names or not any(saved.values()):
        return
    taken = addons.current_fingerprints(names, cr=cr)
    stored.save_fingerprints(cr, {**dict.fromkeys(saved, False), **taken}, saved=saved)
    _logger.info("%s: fingerprints recorded of the addons Odoo upgraded: %s", cr.dbname, ", ".join(names))


def _upgrade(cr, request, loader, found, the_plan):
    """Step 3, on the run's cursor, inside its one transaction, for what step 2 decided.

    The fingerprints and the scripts that ran are saved once, at the end.
    """
    if found.nothing_to_do:
        # Only addons recorded by a tool with the other exclude default, unchanged: record ours.
        _logger.info("%s: no installed addon changed and none is pending", cr.dbname)
        learned = {"result": results.NOTHING_TO_DO, "plan": found.plan(), "upgraded": []}
        fingerprints = {**dict.fromkeys(found.installed, False), **{n: found.fingerprints[n] for n in found.adopted}}
        scripts = []
    else:
        upgraded = _load(cr, loader, found, the_plan)
        installed = set(stored.modules_in_state(cr, ["installed"]))
        fingerprints = _fingerprints_after(found, installed, upgraded)
        upgraded = sorted(set(upgraded) & installed)
        restart = plan.restart_addons(the_plan, upgraded)
        learned = {
            "result": results.DONE,
            "plan": the_plan,
            "upgraded": upgraded,
            "restart_needed": bool(restart),
            "restart_addons": restart,
        }
        scripts = migration.scripts_run(the_plan, upgraded)
    uid = request.uid or SUPERUSER_ID
    stored.save_fingerprints(cr, fingerprints, upgraded=learned["upgraded"], uid=uid, saved=found.saved)
    stored.save_migrations(cr, scripts, uid=uid)
    if learned["result"] == results.DONE:
        _logger.info("%s: fingerprints saved; upgraded %s", cr.dbname, ", ".join(learned["upgraded"]))
    return learned


def _load(cr, loader, found, the_plan):
    """Mark the plan's changed addons and load every pending addon (``Loader``); returns the
    addons it upgraded or installed. Raises ``Refused`` (``Loader.check``), ``Incomplete``."""
    dbname = cr.dbname
    names = compare.upgradable(plan.reasons(the_plan))
    for entry in the_plan["changed"]:
        _logger.info("%s: addon %s: %s", dbname, entry["module"], entry["reason"])
    if loader.check:
        try:
            loader.check(cr, names, found.fingerprints)
        except Exception as exc:
            raise Refused(str(exc), the_plan) from exc
    _logger.info("%s: upgrading %s", dbname, ", ".join(names + found.pending))
    upgraded = loader.load(cr, names)
    pending = stored.modules_in_state(cr, stored.PENDING_STATES)
    if pending:
        raise Incomplete(
            f"The upgrade ran but left these addons pending: {', '.join(pending)}. "
            f"It was rolled back. {UNCHANGED} They will be upgraded again at the next run."
        )
    # Nothing is left half-way: Odoo's mark of an upgrade to finish goes, in this transaction (19.0's
    # loader removes it when it starts; one it finds is of a stopped upgrade).
    cr.execute("DELETE FROM ir_config_parameter WHERE key = %s", (stored.PARAM_PARTIALLY_UPDATED,))
    return upgraded


def _fingerprints_after(found, installed, upgraded):
    """The fingerprints to save after the upgrade of ``upgraded``: those taken before it (an
    edit made while upgrading is a change next time) of the addons still ``installed``, and
    those of the addons it installed, taken now.

    An addon left alone (ignored, not installable) keeps its recorded
    fingerprint (``False``), so that its change is still seen when it can be upgraded.
    """
    before = {name: fp for name, fp in found.fingerprints.items() if name in installed}
    skipped = {name for name, reason in found.reasons.items() if reason in compare.LEFT_ALONE}
    left_alone = ((set(found.ignore) | skipped) & set(before)) - set(upgraded)
    new = addons.current_fingerprints(sorted(installed - set(before)), found.settings)
    return {**before, **dict.fromkeys(left_alone, False), **new}


def _watched(cr, request):
    """``core.watcher.watching`` the run's connection, from a connection of its own.

    Sampled often enough to see a lock wait before ``lock_wait`` ends it.
    """
    _db, params = odoo.sql_db.connection_info_for(cr.dbname)
    interval = min(0.1, request.lock_wait / 4) if request.lock_wait else 0.1
    return watcher.watching(
        lambda: psycopg2.connect(**{**params, "application_name": watcher.APPLICATION}),
        cr._cnx.get_backend_pid(),
        request.watcher_max_seconds,
        interval,
    )


def _module_list_refreshed_once():
    """Odoo's whole-database loading steps done where they act, for this run's loads (in this thread):
    the module list refreshed once per run and where it differs from the addons path, removed columns
    checked and custom views validated where there are any (``scoped.whole_database_steps``)."""
    return scoped.whole_database_steps()


@contextmanager
def _translations(overwrite):
    """``--i18n-overwrite`` for this run only."""
    previous = config["overwrite_existing_translations"]
    config["overwrite_existing_translations"] = overwrite
    try:
        yield
    finally:
        config["overwrite_existing_translations"] = previous


@contextmanager
def _kept_registry(dbname, commit):
    """After a failed run, this process serves the registry it had before.

    A failure after the load leaves a registry built on data that was rolled
    back; the one from before the run matches the database again.
    """
    before = Registry.registries[dbname] if dbname in Registry.registries else None
    try:
        yield
    except BaseException:
        if commit:
            if before is not None:
                Registry.registries[dbname] = before
            else:
                Registry.delete(dbname)
        raise


def _reload_everywhere(dbname):
    """After the commit, every Odoo process reloads the database's registry; returns what did
    not happen, in words (the upgrade is committed whatever happens here).

    The run's one signal: the one Odoo sends at the end of the load, inside
    the transaction, is held back (``signaling``), since a process that
    reloaded there read the database as it was before the commit.
    """
    if dbname not in Registry.registries:
        return []
    registry = Registry.registries[dbname]
    if not registry.ready:
        return []
    try:
        series.clear_caches(registry)  # values read inside the run, before the fingerprints were saved
        registry.registry_invalidated = True
        registry.signal_changes()
    except Exception as exc:
        # Committed already: the other processes reload at their next signal.
        _logger.exception("%s: the upgrade is committed, but Odoo processes could not be told to reload.", dbname)
        return [f"Odoo processes were not told to reload their registry ({exc}): restart them"]
    return []


def run_database(dbname, request):
    """``run`` on a cursor of its own: the command line and the upgrade on start."""
    with closing(odoo.sql_db.db_connect(dbname).cursor()) as cr:
        return run(cr, request)
