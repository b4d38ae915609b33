"""The history of auto-upgrade runs.

A run is recorded in its own transaction, on its own cursor, so that the
rollback of a failed upgrade does not erase the record of its failure.
``record_run`` is plain SQL: the command line calls it with a psycopg2
cursor before (or without) any registry.
"""

import logging

from odoo import fields, models

from .. import state

_logger = logging.getLogger(__name__)

RUN_TABLE = "module_auto_update_run"
TRIGGERS = [
    ("menu", "Menu"),
    ("shell", "Shell"),
    ("scheduled action", "Scheduled action"),
    ("command line", "Command line"),
    ("server start", "Server start"),
]
RESULTS = [
    ("nothing to do", "Nothing to do"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("incomplete", "Incomplete"),
]


def record_run(cr, trigger, started_at, ended_at, result, upgraded=(), error=None, uid=None):
    """Insert one history row with ``cr``; return its id, or None.

    ``started_at``/``ended_at`` are naive UTC datetimes. The caller commits,
    on a cursor other than the upgrade's, so that a rollback of the upgrade
    does not take the row with it.
    """
    if not state.table_exists(cr, RUN_TABLE):
        # The addon is older than its history (not upgraded yet): nothing to write into.
        _logger.warning("Auto-upgrade run not recorded: table %s does not exist yet.", RUN_TABLE)
        return None
    cr.execute("SELECT 1 FROM res_users WHERE id = %s", (uid,))
    uid = uid if cr.fetchone() else None
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
    return cr.fetchone()[0]


class ModuleAutoUpdateRun(models.Model):
    """One auto-upgrade run: who started it, how, and how it ended."""

    _name = "module.auto.update.run"
    _description = "Auto-upgrade run"
    _order = "started_at desc, id desc"
    _rec_name = "started_at"

    trigger = fields.Selection(TRIGGERS, required=True, readonly=True)
    user_id = fields.Many2one("res.users", readonly=True, ondelete="set null")
    database = fields.Char(readonly=True)
    started_at = fields.Datetime("Started", required=True, readonly=True)
    ended_at = fields.Datetime("Ended", required=True, readonly=True)
    duration = fields.Float("Duration (s)", digits=(16, 2), readonly=True)
    upgraded = fields.Text("Addons upgraded", readonly=True)
    result = fields.Selection(RESULTS, required=True, readonly=True)
    error = fields.Text(readonly=True)
