# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A whole upgrade in one PostgreSQL transaction: all or nothing.

Odoo's loader commits after every addon it loads (``odoo/modules/loading.py``)
and opens cursors of its own (``Registry.new``, ``reset_modules_state``,
``signal_changes``...), each on a connection of its own. Inside
``one_transaction(cr)``, every cursor that the running thread opens on
``cr``'s database is instead a ``RunCursor``: a savepoint on ``cr``'s
connection, the mechanism Odoo's own test mode uses (``TestCursor``, reached
through ``series.SavepointCursor``). Their
commits release a savepoint, their rollbacks go back to it, and the one real
``COMMIT`` (or ``ROLLBACK``) is the block's.

Since PostgreSQL's DDL is transactional, schema changes, data files,
migration scripts, hooks, module states and whatever the block writes after
the load (the fingerprints) become visible together at the end of the block,
or not at all: an exception rolls everything back, and a killed process or a
lost connection makes PostgreSQL roll it back. Other threads and processes
keep their own connections and see the database as it was until the commit.

The transaction is Odoo's REPEATABLE READ: one snapshot, so that a statement
that would overwrite a row another session changed after the snapshot fails
(``could not serialize access due to concurrent update``) instead of writing
a value computed from what it read before that change (``docs/safety.rst``
says why this is the rule). Such a failure, a lock it cannot get within
``lock_wait`` seconds (rather than leaving the run in PostgreSQL's lock
queue, where every later request on that table would queue behind it) or a
deadlock, met by any statement of the block, even one that Odoo's loader
catches and only logs (an index it cannot create, a constraint it
postpones), makes the block raise ``Contended`` and roll back: the caller
may run it again. ``Contended.tables`` names the tables of a conflict:
locked against writers (``lock_against_writers``) before the snapshot of
the next try, they cannot conflict again.

Nothing inside the block may end its transaction: a statement that would
(``COMMIT``, ``ROLLBACK``, ``BEGIN``... sent by a migration script or a hook)
is refused with ``TransactionEnded`` before it reaches PostgreSQL, and a
commit made behind Odoo's cursor (on the raw connection) is found at the end
of the block, by the transaction's id, and raised as ``TransactionEnded``.

Whether the block committed is decided by the database, not by an exception:
when ``COMMIT`` raises (a lost connection), PostgreSQL is asked on another
connection whether the transaction committed. Post-commit work registered
by the block's cursors (bus notifications, cache invalidations) runs once,
after the one real commit, with the data its callbacks gathered; a callback
that fails is a warning of what did not happen (``after_commit``), never a
failure of a committed upgrade.
"""

import logging
import re
import threading
from contextlib import closing, contextmanager

import psycopg2
import psycopg2.errors

import odoo.sql_db
from odoo.tools import SQL
from odoo.tools.misc import Callbacks

from ..core import watcher
from . import series

_logger = logging.getLogger(__name__)

# thread id -> the run of that thread
_runs = {}

# What another session makes a statement fail with; the whole block can be run again.
CONTENTION = (psycopg2.errors.LockNotAvailable, psycopg2.errors.DeadlockDetected, psycopg2.errors.SerializationFailure)


def in_run():
    """Whether the running thread is inside ``one_transaction``: a run of ours, not another tool's load."""
    return threading.get_ident() in _runs


class Contended(Exception):
    """The block met another session (see ``CONTENTION``) and was rolled back; it may be run again.

    ``tables``: after a serialization failure, the tables where the block's
    snapshot met a newer change: locked against writers before the next
    try's snapshot, they cannot conflict again (empty for a lock wait or a
    deadlock, which a later try may simply not meet). The run adds what it
    saw: ``wait``, the lock the block waited on (``core.watcher.Wait``), and
    ``altered``, the tables the block held ``ACCESS EXCLUSIVE``.
    """

    def __init__(self, error, tables=()):
        super().__init__(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
        self.error = error
        self.tables = tuple(tables)
        self.wait, self.altered = None, set()


class TransactionEnded(Exception):
    """Something inside the block ended, or tried to end, the one transaction."""


class CommitUnknown(Exception):
    """``COMMIT`` failed and PostgreSQL could not be asked whether it took effect."""


# Statements that end or start a transaction (savepoints are fine: Odoo's cursors use them).
TRANSACTION_CONTROL = re.compile(
    r"\s*(COMMIT|END|ABORT|BEGIN|START\s+TRANSACTION|PREPARE\s+TRANSACTION|ROLLBACK(?!\s+TO\b))\b", re.IGNORECASE
)
REFUSED_CONTROL = (
    "An addon's code (a migration script, a hook) sent {statement}, which would end the upgrade's one "
    "transaction: refused. The upgrade commits everything together at the end: remove that statement."
)
COMMITTED_BEHIND = (
    "An addon's code (a migration script, a hook) committed on the upgrade's connection behind Odoo's cursor: "
    "what the upgrade did up to that commit stays in the database, the rest was rolled back. "
    "The upgrade commits everything together at the end: remove that commit."
)
COMMIT_UNKNOWN = (
    "The connection to PostgreSQL was lost while the upgrade committed, and PostgreSQL could not be asked "
    "whether the commit took effect: run odoo-bin auto-upgrade --check to see the database as it is."
)


class _Run:
    def __init__(self, cr, guarded, written):
        self.cr = cr
        self.dbname = cr.dbname
        self.lock = threading.RLock()
        self.contention = None  # the first CONTENTION error a statement met
        self.conflicts = set()  # the tables of its serialization failures (Contended.tables)
        self.guarded = dict(guarded)  # table -> the mode it was locked in before the snapshot
        self.written = written  # () -> the tables the run's transaction wrote so far (from another connection)
        self.lock_timeout = None  # the run's own, replacing the loader's (see _noticing_contention)
        self.expected = False  # see handled_contention


class RunCursor(series.SavepointCursor):
    """A cursor that lives in the run's transaction (see the module's docstring).

    Unlike a test cursor, its post-commit work (``postcommit``: bus
    notifications, cache invalidations) is the run's: every cursor of the run
    shares the real cursor's, so that callbacks find the data they gathered
    (Odoo's ``bus`` reads ``cr.postcommit.data`` when it notifies); it runs
    after the one real commit and is dropped with a rollback.
    """

    _cursors_stack = []  # our own: the test cursors' stack belongs to the tests

    def __init__(self, run):
        super().__init__(run.cr, run.lock)
        self.postcommit = run.cr.postcommit
        # What did not happen after the real commit (set by one_transaction on the yielded cursor).
        self.after_commit = []

    def commit(self):
        self.flush()  # precommit work, which may add post-commit work
        shared, self.postcommit = self.postcommit, Callbacks()  # a test cursor clears its own
        try:
            return super().commit()
        finally:
            self.postcommit = shared

    def rollback(self):
        shared, self.postcommit = self.postcommit, Callbacks()
        try:
            return super().rollback()
        finally:
            self.postcommit = shared


def _routed(original):
    def cursor(self, *args, **kwargs):
        run = _runs.get(threading.get_ident())
        if run is not None and self.dbname == run.dbname:
            return RunCursor(run)
        return original(self, *args, **kwargs)

    cursor._module_auto_update = True
    return cursor


def _install():
    """Route new cursors through the thread's run, once per process."""
    Connection = odoo.sql_db.Connection
    if not getattr(Connection.cursor, "_module_auto_update", False):
        Connection.cursor = _routed(Connection.cursor)


@contextmanager
def handled_contention():
    """A block whose statements' ``CONTENTION`` errors the caller handles itself
    (a ``NOWAIT`` that means "refuse"): they do not make the run try again."""
    run = _runs.get(threading.get_ident())
    if run is None:
        yield
        return
    run.expected = True
    try:
        yield
    finally:
        run.expected = False


def raw_cursor(cr):
    """The psycopg2 cursor under an Odoo cursor (a test cursor's is its real cursor's)."""
    return cr._obj


# The modes a run locks tables in before its snapshot (see one_transaction), and their statements.
LOCK_STATEMENTS = {
    "EXCLUSIVE": "LOCK TABLE %s IN EXCLUSIVE MODE",
    "ACCESS EXCLUSIVE": "LOCK TABLE %s IN ACCESS EXCLUSIVE MODE",
}

# Odoo's loader sets its own lock wait for the session (15 s, odoo/modules/loading.py).
LOADER_LOCK_TIMEOUT = "SET SESSION lock_timeout"


def _conflict_tables(run, query):
    """The tables of a serialization failure of ``query``: the table it writes; when that is
    unknown, or already locked against writers, every table the transaction wrote.

    Asks ``run.written()`` in any case: the watcher's look, now that the failed
    transaction still holds its locks, also sees what the attempt altered.
    """
    written = set(run.written())
    table = watcher.written_table(raw_cursor(run.cr).query or (query if isinstance(query, str) else None))
    if table and table not in run.guarded:
        return {table}
    return written | ({table} if table else set())


@contextmanager
def _noticing_contention(run):
    """Record in ``run`` the first ``CONTENTION`` error of a statement on its cursor, caught or not,
    and the tables of its serialization failures.

    The loader's session-wide lock wait is replaced with the run's, local to
    its transaction; a statement that would end the transaction
    (``TRANSACTION_CONTROL``) is refused with ``TransactionEnded``.
    """
    cr = run.cr
    execute = cr.execute

    def noticing(query, params=None, log_exceptions=True):
        text = query if isinstance(query, str) else getattr(query, "code", None)  # odoo.tools.SQL
        control = TRANSACTION_CONTROL.match(text) if isinstance(text, str) else None
        if control:
            raise TransactionEnded(REFUSED_CONTROL.format(statement=control.group(1).upper()))
        if run.lock_timeout and isinstance(query, str) and query.startswith(LOADER_LOCK_TIMEOUT):
            query, params = "SELECT set_config('lock_timeout', %s, true)", (run.lock_timeout,)
        try:
            return execute(query, params, log_exceptions=False)
        except CONTENTION as exc:
            if run.expected:
                raise
            run.contention = run.contention or exc
            if isinstance(exc, psycopg2.errors.SerializationFailure):
                # Still in the failed transaction: its locks say what it wrote.
                run.conflicts |= _conflict_tables(run, text)
            # Not Odoo's "bad query" ERROR: the run rolls back and may try again.
            _logger.warning("%s: %s", run.dbname, str(exc).strip().splitlines()[0])
            raise
        except Exception as exc:
            if log_exceptions:
                _logger.error("bad query: %s\nERROR: %s", raw_cursor(cr).query or query, exc)
            raise

    cr.execute = noticing  # the instance's: every RunCursor and execute_values go through it
    try:
        yield
    finally:
        del cr.execute


class _Demoted(logging.Filter):
    """Once the run's thread met contention, its ERROR lines are WARNINGs: the attempt is rolled
    back and run again ("Failed to load registry", an index the loader could not create...)."""

    def __init__(self, run, ident):
        super().__init__()
        self.run, self.ident = run, ident

    def filter(self, record):
        if self.run.contention is not None and record.thread == self.ident and record.levelno >= logging.ERROR:
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


@contextmanager
def _errors_demoted(run, ident):
    """``_Demoted`` on every handler of the root logger for the block."""
    handlers = list(logging.getLogger().handlers)
    demoted = _Demoted(run, ident)
    for handler in handlers:
        handler.addFilter(demoted)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(demoted)


def _begin(cr, lock_wait, guarded):
    """The transaction's first statements, before its snapshot: the lock wait, then each table of
    ``guarded`` locked in its mode (table -> ``EXCLUSIVE``: against writers, plain reads go on; or
    ``ACCESS EXCLUSIVE``, for a table the upgrade alters anyway).

    Utility statements only: a ``SELECT`` would take the snapshot before the locks.
    """
    if lock_wait:
        cr.execute("SET LOCAL lock_timeout = %s", (f"{round(lock_wait * 1000)}ms",))
    for mode in sorted(set(guarded.values())):
        tables = sorted(table for table, its in guarded.items() if its == mode)
        _logger.info("%s: locking %s in %s mode for this attempt", cr.dbname, ", ".join(tables), mode)
        names = SQL(", ").join(SQL.identifier(table) for table in tables)
        cr.execute(SQL(LOCK_STATEMENTS[mode], names))


@contextmanager
def one_transaction(cr, commit=True, lock_wait=0.0, lock_against_writers=None, written=tuple):
    """Run the block in ``cr``'s transaction, with every cursor the thread opens on its database.

    Yields a ``RunCursor`` to work with. On success the block's work is
    committed with ``cr.commit()``, then its post-commit work runs; what of
    it failed is in the yielded cursor's ``after_commit`` (sentences). On an
    exception (or ``BaseException``: a signal, an interrupt) it is rolled
    back with ``cr.rollback()``. ``commit=False``: ``cr`` belongs to a caller
    that forbids commits (Odoo's test mode, a caller's own transaction): the
    block is a savepoint of it, released on success and rolled back on
    failure, and ``cr`` is neither committed nor rolled back.

    ``lock_wait``: seconds a statement may wait for a lock (0: no limit).
    ``lock_against_writers``: tables locked before the snapshot, each in its
    mode (table -> ``EXCLUSIVE`` or ``ACCESS EXCLUSIVE``). ``written()``: the tables the transaction wrote, as another
    connection sees its locks (for a conflict whose table the statement does
    not say). Neither applies with ``commit=False``, where they would
    outlive the block. Raises ``Contended`` (after the rollback) when a
    statement of the block met another session (``CONTENTION``), whether the
    block raised or not; ``CommitUnknown`` when the commit failed and its
    outcome cannot be known.
    """
    ident = threading.get_ident()
    if ident in _runs:
        raise RuntimeError("an upgrade run is already under way in this thread")
    _install()
    run = _runs[ident] = _Run(cr, (lock_against_writers or {}) if commit else {}, written)
    try:
        with _noticing_contention(run), _errors_demoted(run, ident):
            savepoint = None
            try:
                if commit:
                    run.lock_timeout = f"{round(lock_wait * 1000)}ms" if lock_wait else None
                    _begin(cr, lock_wait, run.guarded)
                xid = _transaction_id(cr)
                # The block's own savepoint: the way back whatever the inner cursors did.
                savepoint = series.savepoint(cr)
                with RunCursor(run) as run_cr:
                    yield run_cr
                if _transaction_id(cr) != xid:
                    raise TransactionEnded(COMMITTED_BEHIND)
                if run.contention is not None:
                    raise Contended(run.contention, run.conflicts)
            except BaseException as exc:
                _roll_back(cr, savepoint, commit)
                # (an interrupt or a signal still stops the run: never tried again)
                if run.contention is not None and isinstance(exc, Exception) and not isinstance(exc, Contended):
                    raise Contended(run.contention, run.conflicts) from exc
                raise
            savepoint.close(rollback=False)
            if commit:
                run_cr.after_commit = _commit(cr, xid)
    finally:
        _runs.pop(ident, None)


def _commit(cr, xid):
    """Commit ``cr``, then run its post-commit work; returns what of that work failed, in words.

    Raises (after the rollback) when the transaction did not commit: the
    database, asked on another connection, decides; ``CommitUnknown`` when
    it cannot be asked.
    """
    deferred, cr.postcommit = cr.postcommit, Callbacks()
    try:
        cr.commit()  # pylint: disable=invalid-commit
    except BaseException as exc:
        status = _status_elsewhere(cr.dbname, xid)
        if status != "committed":
            deferred.clear()
            _roll_back(cr, None, True)
            if status is None:
                raise CommitUnknown(COMMIT_UNKNOWN) from exc
            if isinstance(exc, CONTENTION):
                raise Contended(exc) from exc
            raise
        _logger.warning("%s: the commit raised (%s), but PostgreSQL says it took effect.", cr.dbname, exc)
    finally:
        cr.postcommit = Callbacks()
    return after_commit(cr.dbname, deferred)


def after_commit(dbname, callbacks):
    """Run ``callbacks`` (a ``Callbacks``) each on its own, then clear them; returns a sentence for
    each one that failed (logged with its traceback): a committed upgrade stays committed."""
    failed = []
    try:
        for func in list(callbacks._funcs):
            try:
                func()
            except Exception as exc:  # noqa: BLE001  (committed: what did not happen is said, not raised)
                name = getattr(func, "__qualname__", repr(func)).replace(".<locals>", "")
                text = f"post-commit work {name} failed ({type(exc).__name__}: {exc}): it did not happen"
                _logger.warning("%s: the upgrade is committed, but %s.", dbname, text, exc_info=True)
                failed.append(text)
    finally:
        callbacks.clear()
    return failed


def _status_elsewhere(dbname, xid):
    """``pg_xact_status`` of transaction ``xid``, asked on a new connection; None when it cannot be asked."""
    _db, params = odoo.sql_db.connection_info_for(dbname)
    try:
        with closing(psycopg2.connect(**{**params, "application_name": "module_auto_update commit check"})) as conn:
            with conn.cursor() as check:
                check.execute("SELECT pg_xact_status(%s::xid8)", (str(xid),))
                return check.fetchone()[0]
    except psycopg2.Error as exc:
        _logger.warning("%s: could not ask PostgreSQL whether the upgrade committed: %s", dbname, exc)
        return None


def _transaction_id(cr):
    """The id of ``cr``'s transaction (assigned now if it had none)."""
    raw = raw_cursor(cr)
    raw.execute("SELECT pg_current_xact_id()")
    return raw.fetchone()[0]


def _roll_back(cr, savepoint, commit):
    """Undo the block; a lost connection has already made PostgreSQL undo it."""
    try:
        if savepoint is not None:
            savepoint.close(rollback=True)
        if commit:
            cr.rollback()
    except Exception as exc:  # noqa: BLE001  (the original error is what the caller must see)
        _logger.warning("Rolling back the upgrade failed (%s): PostgreSQL drops it with the connection.", exc)
