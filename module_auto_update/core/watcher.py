# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Abort a run that waits on a database lock too long: ``--watcher-max-seconds``.

As click-odoo-update's option of that name: an upgrade stuck behind a lock
held by a worker, a report or a manual session would otherwise wait for as
long as that session lasts, holding its own locks meanwhile. A thread with a
connection of its own watches the run's backend; once its current statement
has waited on a lock longer than the limit, the statement is cancelled, the
run fails and its transaction is rolled back.
"""

import logging
import threading
from contextlib import closing, contextmanager

_logger = logging.getLogger(__name__)

WAITING = """SELECT EXTRACT(EPOCH FROM clock_timestamp() - query_start)
               FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'"""


class Watch:
    """The watcher's state: ``aborted`` once it cancelled the run's statement."""

    aborted = False


@contextmanager
def watching(connect, pid, max_seconds):
    """Watch backend ``pid`` while the block runs; ``connect()`` opens the watcher's psycopg2 connection.

    Yields a ``Watch``. ``max_seconds`` 0 watches nothing.
    """
    watch, stop = Watch(), threading.Event()
    if not max_seconds:
        yield watch
        return

    def run():
        with closing(connect()) as conn:
            conn.autocommit = True
            with conn.cursor() as cr:
                while not stop.wait(min(1.0, max_seconds / 3)):
                    cr.execute(WAITING, (pid,))
                    row = cr.fetchone()
                    if row and row[0] is not None and row[0] > max_seconds:
                        _logger.error("The upgrade waited on a lock for %.0f s: aborting it.", row[0])
                        watch.aborted = True
                        cr.execute("SELECT pg_cancel_backend(%s)", (pid,))
                        return

    thread = threading.Thread(target=run, name="module_auto_update lock watcher", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        stop.set()
        thread.join(5)
