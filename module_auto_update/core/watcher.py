# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the run's database session holds and waits on, seen from a connection of its own.

While a run's transaction is open, a thread samples PostgreSQL's lock table
for the run's backend, every ``interval`` seconds:

- the locks it holds on existing tables in a mode that keeps users from
  writing them (``SHARE`` and stronger: what ``ALTER TABLE``, ``CREATE
  INDEX`` and the like take), with the moment each was first seen, so that
  the run can report on which tables, and for how long, it held them. Tables
  the run created are invisible to this connection until the commit, and
  nobody else can use them anyway: they are not counted.
- what it waits on, when it waits on a lock: the table (or row), the mode,
  and the sessions that hold it (``pg_blocking_pids``), so that a run that
  gives up can say who kept it from going on.
- ``--watcher-max-seconds`` (as click-odoo-update's option): once a
  statement of the run has waited on a lock longer than the limit, it is
  cancelled, and the run fails and rolls back.

Plain SQL on a psycopg2 connection; nothing here imports Odoo.
"""

import logging
import threading
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

_logger = logging.getLogger(__name__)

# The watcher's connection, as pg_stat_activity shows it.
APPLICATION = "module_auto_update lock watcher"

# Lock modes that conflict with ROW EXCLUSIVE, the mode of INSERT, UPDATE, DELETE:
# while the run holds one of these on a table, users cannot write it.
BLOCKING_MODES = ("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")

WAITING = """SELECT EXTRACT(EPOCH FROM clock_timestamp() - query_start)
               FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'"""
HELD = """SELECT c.relname, l.mode
            FROM pg_locks l JOIN pg_class c ON c.oid = l.relation AND c.relkind IN ('r', 'p')
           WHERE l.pid = %s AND l.granted AND l.locktype = 'relation' AND l.mode = ANY(%s)"""
# The relation of a row wait is the one of the tuple lock the waiter holds.
WAITED_ON = """SELECT COALESCE(c.relname, t.relname), l.mode, a.pid, a.application_name, host(a.client_addr),
                      a.state, EXTRACT(EPOCH FROM clock_timestamp() - a.xact_start), left(a.query, 200)
                 FROM pg_locks l
                 LEFT JOIN pg_class c ON c.oid = l.relation
                 LEFT JOIN LATERAL (SELECT tc.relname FROM pg_locks tl JOIN pg_class tc ON tc.oid = tl.relation
                                     WHERE tl.pid = l.pid AND tl.locktype = 'tuple' LIMIT 1) t ON true
                 CROSS JOIN LATERAL unnest(pg_blocking_pids(l.pid)) AS blocker(pid)
                 JOIN pg_stat_activity a ON a.pid = blocker.pid
                WHERE l.pid = %s AND NOT l.granted
                LIMIT 1"""


@dataclass(frozen=True)
class Wait:
    """A lock the run waited on, and the session that held it."""

    table: str
    mode: str
    pid: int
    application: str
    client: str
    state: str
    transaction_seconds: float
    query: str

    def __str__(self):
        table = f"table {self.table}" if self.table else "a lock"
        who = f"session {self.pid}"
        details = [f"application {self.application!r}" if self.application else "", self.client or ""]
        if self.transaction_seconds is not None:
            details.append(f"in a transaction for {self.transaction_seconds:.0f} s")
        if self.state:
            details.append(self.state)
        if self.query:
            details.append(f"last statement: {' '.join(self.query.split())[:120]}")
        return f"{table} ({self.mode}), held by {who} ({', '.join(d for d in details if d)})"


@dataclass
class Watch:
    """What the watcher saw; ``aborted`` once it cancelled the run's statement."""

    aborted: bool = False
    last_wait: Wait = None
    # (table, mode) -> time.monotonic() when first seen held
    first_held: dict = field(default_factory=dict)

    def held(self, until):
        """``[{"table", "mode", "seconds"}]``, longest first: each table seen
        locked against writes, held from when it was first seen to ``until``."""
        longest = {}
        for (table, mode), since in self.first_held.items():
            if table not in longest or since < longest[table][1]:
                longest[table] = (mode, since)
        rows = [
            {"table": table, "mode": mode, "seconds": round(max(until - since, 0.0), 1)}
            for table, (mode, since) in longest.items()
        ]
        return sorted(rows, key=lambda row: (-row["seconds"], row["table"]))


def held_text(locks):
    """``Watch.held()`` in one line: ``res_partner 2.3 s (AccessExclusiveLock), ...``."""
    return ", ".join(f"{lock['table']} {lock['seconds']:.1f} s ({lock['mode']})" for lock in locks)


def sample(cr, pid, watch, max_seconds=0.0):
    """One look at backend ``pid`` with the psycopg2 cursor ``cr``; fills ``watch``.

    Returns True when it cancelled the backend's statement (``max_seconds``).
    """
    now = time.monotonic()
    cr.execute(HELD, (pid, list(BLOCKING_MODES)))
    for table, mode in cr.fetchall():
        watch.first_held.setdefault((table, mode), now)
    cr.execute(WAITING, (pid,))
    row = cr.fetchone()
    if not row or row[0] is None:
        return False
    cr.execute(WAITED_ON, (pid,))
    seen = cr.fetchone()
    if seen:
        watch.last_wait = Wait(*seen[:6], float(seen[6]) if seen[6] is not None else None, seen[7])
    if max_seconds and row[0] > max_seconds:
        _logger.error("The upgrade waited on a lock for %.0f s: aborting it.", row[0])
        watch.aborted = True
        cr.execute("SELECT pg_cancel_backend(%s)", (pid,))
        return True
    return False


@contextmanager
def watching(connect, pid, max_seconds=0.0, interval=0.1):
    """Watch backend ``pid`` while the block runs; ``connect()`` opens the watcher's psycopg2 connection.

    Yields a ``Watch``. A watcher that cannot connect or query logs why and
    stops: the run goes on unwatched.
    """
    watch, stop = Watch(), threading.Event()
    interval = min(interval, max_seconds / 3) if max_seconds else interval

    def run():
        try:
            with closing(connect()) as conn:
                conn.autocommit = True
                with conn.cursor() as cr:
                    while not stop.is_set():
                        if sample(cr, pid, watch, max_seconds):
                            return
                        stop.wait(interval)
        except Exception as exc:  # noqa: BLE001  (a watcher never fails the run)
            _logger.warning("The lock watcher stopped: %s", exc)

    thread = threading.Thread(target=run, name="module_auto_update lock watcher", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        stop.set()
        thread.join(5)
