# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One signal per upgrade, one registry reload per signal and process.

Odoo tells its processes that a database's registry changed by moving the
PostgreSQL sequence ``base_registry_signaling`` (``Registry.signal_changes``);
every request compares it with its registry (``Registry.check_signaling``,
called by ``odoo/http.py`` and ``odoo/service/model.py``) and reloads the
registry when it moved. After one upgrade, a threaded server reloaded several
times in a row, for two reasons that ``install()`` removes:

- The run moved the sequence twice. ``Registry.new(update_module=True)``
  signals at the end of the load (``odoo/modules/registry.py:146``), inside
  the run's transaction, and a sequence is not transactional: a process
  could reload there, from the database as it was before the commit, then
  again at the run's own signal after the commit (``run._reload_everywhere``).
  Inside a run (``transaction.one_transaction``), ``signal_changes`` sends
  nothing for the run's database: the change stays pending on the registry
  and the run signals once, after its commit; a run rolled back (a failure,
  a rehearsal, an attempt that gave way) signals nothing, and so does a run
  in its caller's transaction (``commit=False``: Odoo's test mode, which
  signals nothing either).
- Every waiting thread reloaded. ``check_signaling`` compares the sequence
  with the registry its thread fetched, and builds a new one when it moved
  (``odoo/modules/registry.py:884-886``; ``Registry.new`` waits for the class
  lock): requests that the upgrade's commit released together (they waited
  for its locks) each found the old registry stale and each built another,
  one after the other. Here a process checks one thread at a time, under
  the lock that ``Registry.new`` and ``Registry()`` take, on the latest
  registry loaded for the database: a thread that waited finds the registry
  another thread has just loaded, up to date with the sequence, and uses it.
  The price is the read of the sequence under that lock (about 0.5 ms on a
  local PostgreSQL): 10 threads doing nothing but checks made 2,000 a
  second instead of 3,500; a prefork worker serves one request at a time.

Both apply to every database of the process, and neither in Odoo's test mode
(where ``check_signaling`` checks nothing). ``install()`` runs when Odoo
imports the addon, as every process does whose database has it installed.
"""

import threading

from odoo.modules.registry import Registry

from . import series, transaction


def _in_run(dbname):
    """Whether this thread is inside a run's transaction on ``dbname``."""
    run = transaction._runs.get(threading.get_ident())
    return run is not None and run.dbname == dbname


def _held_back(original):
    def signal_changes(self):
        if _in_run(self.db_name):
            return  # pending until the run's signal after its commit
        return original(self)

    signal_changes._module_auto_update = True
    return signal_changes


def _one_at_a_time(original):
    def check_signaling(self, cr=None):
        if series.in_test_mode(self):
            return series.check_signaling(original, self, cr)
        with series.signaling_cursor(self, cr) as cr:
            with Registry._lock:  # held for the read of the sequence, and a reload if it moved
                latest = Registry.registries.get(self.db_name)
                fresh = latest is not None and latest.ready and not series.in_test_mode(latest)
                return series.check_signaling(original, latest if fresh else self, cr)

    check_signaling._module_auto_update = True
    return check_signaling


def install():
    """Patch ``Registry``, once per process."""
    if not getattr(Registry.signal_changes, "_module_auto_update", False):
        Registry.signal_changes = _held_back(Registry.signal_changes)
    if not getattr(Registry.check_signaling, "_module_auto_update", False):
        Registry.check_signaling = _one_at_a_time(Registry.check_signaling)
