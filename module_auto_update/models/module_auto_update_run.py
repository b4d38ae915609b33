# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The history of auto-upgrade runs.

A run is recorded in its own transaction, on its own cursor, so that the
rollback of a failed upgrade does not erase the record of its failure.
Rows are written by ``core.stored.record_run``, plain SQL: the command line
and the quick start write them before (or without) any registry.
"""

from odoo import api, fields, models

from ..core import results
from ..upgrade.run import UNCHANGED

# What the list of runs shows of the error (characters) and of the addons upgraded; the form has all.
ERROR_SUMMARY_LENGTH = 100
UPGRADED_SHOWN = 3

TRIGGERS = [
    (results.MENU, "Menu"),
    (results.SHELL, "Shell"),
    (results.SCHEDULED_ACTION, "Scheduled action"),
    (results.COMMAND_LINE, "Command line"),
    (results.SERVER_START, "Server start"),
]
RESULTS = [
    (results.NOTHING_TO_DO, "Nothing to do"),
    (results.DONE, "Done"),
    (results.FAILED, "Failed"),
    (results.INCOMPLETE, "Incomplete"),
    (results.BUSY, "Busy"),
    (results.HASHES_RECORDED, "Fingerprints recorded"),
    (results.REHEARSED, "Rehearsed"),
    (results.BLOCKED, "Blocked"),
    (results.WARNED, "Warned (strict)"),
]


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
    # Runs with nothing to do in a row share one row: how many, the times are the last one's.
    run_count = fields.Integer("Runs", default=1, readonly=True)
    ended_at = fields.Datetime("Ended", required=True, readonly=True)
    duration = fields.Float("Duration (s)", digits=(16, 2), readonly=True)
    upgraded = fields.Text("Addons upgraded", readonly=True)
    result = fields.Selection(RESULTS, required=True, readonly=True)
    error = fields.Text(readonly=True)
    error_summary = fields.Text("Error (short)", compute="_compute_summaries")
    upgraded_summary = fields.Char("Addons upgraded (short)", compute="_compute_summaries")
    # The upgrade's transaction is rolled back and run again when it meets
    # another session's locks: how many times it ran.
    attempts = fields.Integer(readonly=True)
    locks = fields.Text("Exclusive locks held", readonly=True)
    restart_needed = fields.Boolean(
        readonly=True, help="Odoo processes running before the upgrade still run the old Python code."
    )
    rehearsal = fields.Boolean(readonly=True, help="The upgrade ran and was rolled back: it changed nothing.")
    after_commit = fields.Text(
        "After the commit",
        readonly=True,
        help="What did not happen after the upgrade committed: the upgrade itself is done.",
    )

    @api.depends("error", "upgraded")
    def _compute_summaries(self):
        """The error and the addons upgraded, each short, for the list; the form has all of them.

        The error on one line without the sentence every failed run says, cut
        to ERROR_SUMMARY_LENGTH; the first addons, then how many more.
        """
        for run in self:
            text = " ".join((run.error or "").replace(UNCHANGED, " ").split())
            if len(text) > ERROR_SUMMARY_LENGTH:
                text = text[: ERROR_SUMMARY_LENGTH - 1].rstrip() + "…"
            run.error_summary = text or False
            names = run.upgraded.split(", ") if run.upgraded else []
            more = len(names) - UPGRADED_SHOWN
            run.upgraded_summary = ", ".join(names[:UPGRADED_SHOWN]) + (f" (+{more})" if more > 0 else "") or False
