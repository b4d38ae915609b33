# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A whole upgrade in one PostgreSQL transaction: all or nothing.

Odoo's loader commits after every addon it loads (``odoo/modules/loading.py``)
and opens cursors of its own (``Registry.new``, ``reset_modules_state``,
``signal_changes``...), each on a connection of its own. Inside
``one_transaction(cr)``, every cursor that the running thread opens on
``cr``'s database is instead a ``RunCursor``: a savepoint on ``cr``'s
connection, the mechanism Odoo's own test mode uses (``TestCursor``). Their
commits release a savepoint, their rollbacks go back to it, and the one real
``COMMIT`` (or ``ROLLBACK``) is the block's.

Since PostgreSQL's DDL is transactional, schema changes, data files,
migration scripts, hooks, module states and whatever the block writes after
the load (the fingerprints) become visible together at the end of the block,
or not at all: an exception rolls everything back, and a killed process or a
lost connection makes PostgreSQL roll it back. Other threads and processes
keep their own connections and see the database as it was until the commit.

The transaction is READ COMMITTED, with a ``lock_timeout`` (``docs/safety.rst``
says why): a statement that meets a row a user is editing waits for that
user's transaction, then works on the row as committed, instead of failing
on a concurrent update as a REPEATABLE READ snapshot does; a lock it cannot
get within ``lock_wait`` seconds fails the statement rather than leaving the
run in PostgreSQL's lock queue, where every later request on that table
would queue behind it. Such a failure, a deadlock or a serialization failure
met by any statement of the block, even one that Odoo's loader catches and
only logs (an index it cannot create, a constraint it postpones), makes the
block raise ``Contended`` and roll back: the caller may run it again.

Nothing inside the block may end its transaction: a statement that would
(``COMMIT``, ``ROLLBACK``, ``BEGIN``... sent by a migration script or a hook)
is refused with ``TransactionEnded`` before it reaches PostgreSQL, and a
commit made behind Odoo's cursor (on the raw connection) is found at the end
of the block, by the transaction's id, and raised as ``TransactionEnded``.
"""

import logging
import re
import threading
from contextlib import contextmanager

import psycopg2.errors
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED, ISOLATION_LEVEL_REPEATABLE_READ

import odoo.sql_db
from odoo.sql_db import Savepoint, TestCursor
from odoo.tools.misc import Callbacks

_logger = logging.getLogger(__name__)

# thread id -> the run of that thread
_runs = {}

# What another session makes a statement fail with; the whole block can be run again.
CONTENTION = (psycopg2.errors.LockNotAvailable, psycopg2.errors.DeadlockDetected, psycopg2.errors.SerializationFailure)


class Contended(Exception):
    """The block met another session (see ``CONTENTION``) and was rolled back; it may be run again."""

    def __init__(self, error):
        super().__init__(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
        self.error = error


class TransactionEnded(Exception):
    """Something inside the block ended, or tried to end, the one transaction."""


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


class _Run:
    def __init__(self, cr):
        self.cr = cr
        self.dbname = cr.dbname
        self.lock = threading.RLock()
        self.contention = None  # the first CONTENTION error a statement met
        self.lock_timeout = None  # the run's own, replacing the loader's (see _noticing_contention)
        self.expected = False  # see handled_contention


class RunCursor(TestCursor):
    """A cursor that lives in the run's transaction (see the module's docstring).

    Unlike a test cursor, what its commits postpone (``postcommit`` hooks:
    cron wake-ups, bus notifications) is handed to the run's cursor, to
    happen after the one real commit, and dropped with a rollback.
    """

    _cursors_stack = []  # our own: the test cursors' stack belongs to the tests

    def __init__(self, run):
        super().__init__(run.cr, run.lock, readonly=False)
        self._run = run

    def commit(self):
        postcommit, self.postcommit = self.postcommit, Callbacks()
        result = super().commit()
        self._run.cr.postcommit.add(postcommit.run)
        return result


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


# Odoo's loader sets its own lock wait for the session (15 s, odoo/modules/loading.py).
LOADER_LOCK_TIMEOUT = "SET SESSION lock_timeout"


@contextmanager
def _noticing_contention(run):
    """Record in ``run`` the first ``CONTENTION`` error of a statement on its cursor, caught or not.

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


@contextmanager
def _read_committed(cr, commit):
    """The block's transaction READ COMMITTED; Odoo's REPEATABLE READ again afterwards.

    Only when the run owns the transaction (``commit``): the connection is
    then idle (the caller committed), as changing the level requires.
    """
    if not commit:
        yield
        return
    connection = cr._cnx
    connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
    try:
        yield
    finally:
        try:
            connection.set_isolation_level(ISOLATION_LEVEL_REPEATABLE_READ)
        except Exception as exc:  # noqa: BLE001  (a lost connection is not reused)
            _logger.debug("Isolation level not restored (%s): the connection is gone.", exc)


@contextmanager
def one_transaction(cr, commit=True, lock_wait=0.0):
    """Run the block in ``cr``'s transaction, with every cursor the thread opens on its database.

    Yields a ``RunCursor`` to work with. On success the block's work is
    committed with ``cr.commit()``; on an exception (or ``BaseException``:
    a signal, an interrupt) it is rolled back with ``cr.rollback()``.
    ``commit=False``: ``cr`` belongs to a caller that forbids commits (Odoo's
    test mode, a caller's own transaction): the block is a savepoint of it,
    released on success and rolled back on failure, and ``cr`` is neither
    committed nor rolled back (nor made READ COMMITTED).

    ``lock_wait``: seconds a statement may wait for a lock (0: no limit;
    not applied with ``commit=False``, where it would outlive the block).
    Raises ``Contended`` (after the rollback) when a statement of the block
    met another session (``CONTENTION``), whether the block raised or not.
    """
    ident = threading.get_ident()
    if ident in _runs:
        raise RuntimeError("an upgrade run is already under way in this thread")
    _install()
    run = _runs[ident] = _Run(cr)
    try:
        with _read_committed(cr, commit), _noticing_contention(run), _errors_demoted(run, ident):
            if lock_wait and commit:
                run.lock_timeout = f"{round(lock_wait * 1000)}ms"
                cr.execute("SELECT set_config('lock_timeout', %s, true)", (run.lock_timeout,))
            xid = _transaction_id(cr)
            # The block's own savepoint: the way back whatever the inner cursors did.
            savepoint = Savepoint(raw_cursor(cr))
            try:
                with RunCursor(run) as run_cr:
                    yield run_cr
                if _transaction_id(cr) != xid:
                    raise TransactionEnded(COMMITTED_BEHIND)
                if run.contention is not None:
                    raise Contended(run.contention)
            except BaseException as exc:
                _roll_back(cr, savepoint, commit)
                # (an interrupt or a signal still stops the run: never tried again)
                if run.contention is not None and isinstance(exc, Exception) and not isinstance(exc, Contended):
                    raise Contended(run.contention) from exc
                raise
            savepoint.close(rollback=False)
            if commit:
                try:
                    cr.commit()  # pylint: disable=invalid-commit
                except BaseException as exc:
                    _roll_back(cr, None, commit)
                    if isinstance(exc, CONTENTION):
                        raise Contended(exc) from exc
                    raise
    finally:
        _runs.pop(ident, None)


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
