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
"""

import logging
import threading
from contextlib import contextmanager

import odoo.sql_db
from odoo.sql_db import Savepoint, TestCursor
from odoo.tools.misc import Callbacks

_logger = logging.getLogger(__name__)

# thread id -> the run of that thread
_runs = {}


class _Run:
    def __init__(self, cr):
        self.cr = cr
        self.dbname = cr.dbname
        self.lock = threading.RLock()


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


def raw_cursor(cr):
    """The psycopg2 cursor under an Odoo cursor (a test cursor's is its real cursor's)."""
    return cr._obj


@contextmanager
def one_transaction(cr, commit=True):
    """Run the block in ``cr``'s transaction, with every cursor the thread opens on its database.

    Yields a ``RunCursor`` to work with. On success the block's work is
    committed with ``cr.commit()``; on an exception (or ``BaseException``:
    a signal, an interrupt) it is rolled back with ``cr.rollback()``.
    ``commit=False``: ``cr`` belongs to a caller that forbids commits (Odoo's
    test mode, a caller's own transaction): the block is a savepoint of it,
    released on success and rolled back on failure, and ``cr`` is neither
    committed nor rolled back.
    """
    ident = threading.get_ident()
    if ident in _runs:
        raise RuntimeError("an upgrade run is already under way in this thread")
    _install()
    # The block's own savepoint: the way back whatever the inner cursors did.
    savepoint = Savepoint(raw_cursor(cr))
    _runs[ident] = _Run(cr)
    try:
        with RunCursor(_runs[ident]) as run_cr:
            yield run_cr
    except BaseException:
        _runs.pop(ident, None)
        _roll_back(cr, savepoint, commit)
        raise
    _runs.pop(ident, None)
    savepoint.close(rollback=False)
    if commit:
        try:
            cr.commit()  # pylint: disable=invalid-commit
        except BaseException:
            _roll_back(cr, None, commit)
            raise


def _roll_back(cr, savepoint, commit):
    """Undo the block; a lost connection has already made PostgreSQL undo it."""
    try:
        if savepoint is not None:
            savepoint.close(rollback=True)
        if commit:
            cr.rollback()
    except Exception as exc:  # noqa: BLE001  (the original error is what the caller must see)
        _logger.warning("Rolling back the upgrade failed (%s): PostgreSQL drops it with the connection.", exc)
