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
- the existing tables it writes (``ROW EXCLUSIVE``), so that after a
  conflict the run can lock them against writers for its next try; sampled
  at once on demand (``Watch.refresh``), while a failed statement's
  transaction still holds its locks.
- what it waits on, when it waits on a lock: the table (or row), the mode,
  and the session at the root of the wait: following ``pg_blocking_pids``
  from the run to a session that holds what others wait for and waits on
  nothing itself (an idle transaction, a long report), so that a run that
  gives up names who kept it from going on; the sessions queued between are
  counted, not blamed.
- ``--watcher-max-seconds`` (as click-odoo-update's option): once a
  statement of the run has waited on a lock longer than the limit, it is
  cancelled, and the run fails and rolls back.

Plain SQL on a psycopg2 connection; nothing here imports Odoo.
"""

import logging
import re
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
# The mode of INSERT, UPDATE, DELETE.
WRITING_MODE = "RowExclusiveLock"
# The relation of a row wait is the one of the tuple lock the waiter holds. The sessions that block
# the run, and those that block them, and so on: the root is the nearest one that waits on nothing.
WAITED_ON = """WITH RECURSIVE chain(pid, depth) AS (
                   SELECT blocker, 1 FROM unnest(pg_blocking_pids(%(pid)s)) AS blocker
                    UNION
                   SELECT blocker, chain.depth + 1
                     FROM chain CROSS JOIN LATERAL unnest(pg_blocking_pids(chain.pid)) AS blocker
                    WHERE chain.depth < 8 AND blocker <> %(pid)s
               ), sessions AS (
                   SELECT pid, min(depth) AS depth, cardinality(pg_blocking_pids(pid)) = 0 AS root
                     FROM chain GROUP BY pid
               )
               SELECT COALESCE(c.relname, t.relname), l.mode, a.pid, a.application_name, host(a.client_addr),
                      a.state, EXTRACT(EPOCH FROM clock_timestamp() - a.xact_start), left(a.query, 200),
                      (SELECT count(*) FROM sessions) - 1
                 FROM pg_locks l
                 LEFT JOIN pg_class c ON c.oid = l.relation
                 LEFT JOIN LATERAL (SELECT tc.relname FROM pg_locks tl JOIN pg_class tc ON tc.oid = tl.relation
                                     WHERE tl.pid = l.pid AND tl.locktype = 'tuple' LIMIT 1) t ON true
                 CROSS JOIN sessions s
                 JOIN pg_stat_activity a ON a.pid = s.pid
                WHERE l.pid = %(pid)s AND NOT l.granted
                ORDER BY s.root DESC, s.depth, s.pid
                LIMIT 1"""


# The table a statement writes or locks: the one whose rows met another session's change.
WRITTEN_TABLE = re.compile(
    r"""\s*(?:WITH\b.*?\)\s*)?(?:UPDATE\s+(?:ONLY\s+)?|DELETE\s+FROM\s+(?:ONLY\s+)?|INSERT\s+INTO\s+)"?([\w.]+)"?"""
    r"""|\s*SELECT\b.*?\bFROM\s+"?([\w.]+)"?.*\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE)\b""",
    re.IGNORECASE | re.DOTALL,
)


def written_table(statement):
    """The table ``statement`` (SQL text or bytes) writes or locks rows of, or None."""
    if isinstance(statement, bytes):
        statement = statement.decode(errors="replace")
    found = WRITTEN_TABLE.match(statement or "")
    return (found.group(1) or found.group(2)).split(".")[-1] if found else None


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
    queued: int = 0  # other sessions in the chain of waits, waiting themselves

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
        queued = f"; {self.queued} other session(s) wait for it too" if self.queued else ""
        return f"{table} ({self.mode}), held by {who} ({', '.join(d for d in details if d)}){queued}"


@dataclass
class Watch:
    """What the watcher saw; ``aborted`` once it cancelled the run's statement."""

    aborted: bool = False
    last_wait: Wait = None
    # (table, mode) -> time.monotonic() when first seen held
    first_held: dict = field(default_factory=dict)
    written: set = field(default_factory=set)  # existing tables seen written
    # Asks the watcher's thread for a sample now and waits for it (see ``watching``).
    refresh: object = field(default=lambda: None, repr=False)

    def altered(self):
        """The tables seen held ``ACCESS EXCLUSIVE``: what ``ALTER TABLE`` and the like take."""
        return {table for table, mode in self.first_held if mode == "AccessExclusiveLock"}

    def held(self, until, why=None):
        """``[{"table", "mode", "seconds", "why"}]``, longest first: each table seen
        locked against writes, held from when it was first seen to ``until``;
        ``why`` from ``why`` (table -> words), else from the mode (``LOCKED_BY``)."""
        longest = {}
        for (table, mode), since in self.first_held.items():
            if table not in longest or since < longest[table][1]:
                longest[table] = (mode, since)
        rows = [
            {
                "table": table,
                "mode": mode,
                "seconds": round(max(until - since, 0.0), 1),
                "why": (why or {}).get(table) or LOCKED_BY.get(mode, ""),
            }
            for table, (mode, since) in longest.items()
        ]
        return sorted(rows, key=lambda row: (-row["seconds"], row["table"]))


# What takes each mode in an upgrade, in words.
LOCKED_BY = {
    "AccessExclusiveLock": "schema changed",
    "ExclusiveLock": "locked",
    "ShareRowExclusiveLock": "trigger or foreign key added",
    "ShareLock": "index built",
}


def held_text(locks):
    """``Watch.held()`` in one line: ``res_partner 2.3 s (AccessExclusiveLock, schema changed), ...``."""
    return ", ".join(
        f"{lock['table']} {lock['seconds']:.1f} s ({', '.join(filter(None, (lock['mode'], lock.get('why'))))})"
        for lock in locks
    )


def sample(cr, pid, watch, max_seconds=0.0):
    """One look at backend ``pid`` with the psycopg2 cursor ``cr``; fills ``watch``.

    Returns True when it cancelled the backend's statement (``max_seconds``).
    """
    now = time.monotonic()
    cr.execute(HELD, (pid, [*BLOCKING_MODES, WRITING_MODE]))
    for table, mode in cr.fetchall():
        if mode == WRITING_MODE:
            watch.written.add(table)
        else:
            watch.first_held.setdefault((table, mode), now)
    cr.execute(WAITING, (pid,))
    row = cr.fetchone()
    if not row or row[0] is None:
        return False
    cr.execute(WAITED_ON, {"pid": pid})
    seen = cr.fetchone()
    if seen:
        watch.last_wait = Wait(*seen[:6], float(seen[6]) if seen[6] is not None else None, seen[7], int(seen[8]))
    if max_seconds and row[0] > max_seconds:
        _logger.error("The upgrade waited on a lock for %.0f s: aborting it.", row[0])
        watch.aborted = True
        cr.execute("SELECT pg_cancel_backend(%s)", (pid,))
        return True
    return False


@contextmanager
def watching(connect, pid, max_seconds=0.0, interval=0.1):
    """Watch backend ``pid`` while the block runs; ``connect()`` opens the watcher's psycopg2 connection.

    Yields a ``Watch``; its ``refresh()`` has a sample taken now (waiting
    for it a second at most). A watcher that cannot connect or query logs
    why and stops: the run goes on unwatched.
    """
    watch, stop, wake = Watch(), threading.Event(), threading.Event()
    interval = min(interval, max_seconds / 3) if max_seconds else interval
    asked = []  # events of refresh() calls, set once a sample after them is done

    def refresh():
        done = threading.Event()
        asked.append(done)
        wake.set()
        done.wait(1.0)

    watch.refresh = refresh

    def run():
        try:
            with closing(connect()) as conn:
                conn.autocommit = True
                with conn.cursor() as cr:
                    while not stop.is_set():
                        waiting = [asked.pop() for _ in range(len(asked))]
                        cancelled = sample(cr, pid, watch, max_seconds)
                        for done in waiting:
                            done.set()
                        if cancelled:
                            return
                        wake.wait(interval)
                        wake.clear()
        except Exception as exc:  # noqa: BLE001  (a watcher never fails the run)
            _logger.warning("The lock watcher stopped: %s", exc)
        finally:
            for done in asked:
                done.set()

    thread = threading.Thread(target=run, name="module_auto_update lock watcher", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        stop.set()
        wake.set()
        thread.join(5)
