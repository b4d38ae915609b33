# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Many databases: find them, run each in its own process, N at a time."""

import multiprocessing
from contextlib import closing, contextmanager
from multiprocessing.connection import wait

import psycopg2

import odoo

from ..core import inspection, results, stored
from ..upgrade import run
from ..upgrade.addons import addon_path


@contextmanager
def _peek(name):
    """A cursor on ``name`` whose connection is closed afterwards, not kept in Odoo's pool."""
    try:
        with closing(odoo.sql_db.db_connect(name).cursor()) as cr:
            yield cr
    finally:
        odoo.sql_db.close_db(name)


def existing_databases():
    with _peek("postgres") as cr:
        return stored.database_names(cr)


def is_odoo(name):
    with _peek(name) as cr:
        return stored.is_odoo(cr)


def unknown_addons(names, wanted):
    """The addons of ``wanted`` that neither the addons path nor any of the databases ``names`` knows."""
    left = [name for name in wanted if not addon_path(name)]
    for dbname in names:
        if not left:
            break
        with _peek(dbname) as cr:
            left = inspection.unknown_addons(cr, left, addon_path)
    return sorted(left)


def managed_databases(names):
    """The databases of ``names`` that use this addon; no connection to them is kept."""
    return stored.managed_databases(names, _peek, psycopg2.OperationalError)


def _child(conn, dbname, request):
    conn.send(run.run_database(dbname, request))
    conn.close()


def run_in_processes(names, request, jobs, report):
    """``run.run_database`` each database in a forked process, ``jobs`` at a time.

    A process per database: an upgrade imports addons' code and builds
    registries that must not leak into the next database, and a database
    that fails (or kills its process) cannot stop the others. ``report`` is
    called with each outcome as it arrives.
    """
    # Forked children must not share the parent's PostgreSQL connections.
    odoo.sql_db.close_all()
    context = multiprocessing.get_context("fork")
    queue = list(names)
    running = {}  # result pipe -> (process, database)
    while queue or running:
        while queue and len(running) < jobs:
            dbname = queue.pop(0)
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(writer, dbname, request), name=f"auto-upgrade {dbname}")
            process.start()
            writer.close()
            running[reader] = (process, dbname)
        for reader in wait(list(running)):
            process, dbname = running.pop(reader)
            try:
                outcome = reader.recv()
            except EOFError:
                outcome = None
            reader.close()
            process.join()
            if outcome is None:
                outcome = results.Result(
                    dbname, results.FAILED, error=f"its process died (exit code {process.exitcode})"
                )
            report(outcome)
